// Header maps (httplib::Headers): lookups that scan, parsing a head's lines in the map's order,
// and the maps and nodes a thread keeps for its next maps (declared in core/http/wire.hpp). Free of
// sockets: the header_lines fuzzer builds it alone.
#include "core/http/wire.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace llmgw::core::http::wire {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

const std::string* find_header(const httplib::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return &value;
  return nullptr;
}

std::string_view header_value(const httplib::Headers& headers, std::string_view name) {
  const std::string* value = find_header(headers, name);
  return value ? std::string_view(*value) : std::string_view();
}

size_t header_count(const httplib::Headers& headers, std::string_view name) {
  size_t count = 0;
  for (const auto& header : headers) count += iequals(header.first, name) ? 1 : 0;
  return count;
}

std::string_view first_header(const httplib::Headers& headers, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names)
    if (const std::string* value = find_header(headers, name)) return *value;
  return {};
}

namespace {

// A header name's bytes folded to lower case in one lookup. The three that end or refuse a name
// (the colon; a space or a tab before it) fold to k_name_special, as 0xFF itself does.
constexpr unsigned char k_name_special = 0xFF;
constexpr std::array<unsigned char, 256> k_name_bytes = [] {
  std::array<unsigned char, 256> table{};
  for (size_t c = 0; c < table.size(); ++c) table[c] = ascii_lower(static_cast<unsigned char>(c));
  table[' '] = table['\t'] = table[':'] = k_name_special;
  return table;
}();

struct HeaderLine {
  std::string_view name;
  std::string_view value;
  std::string_view key; // name in lower case (ASCII), in the thread's buffer: the map's order
  uint16_t index = 0;   // where it came among the head's lines (a head has at most 64 kept)
};

// Stable, as the map keeps repeated names in the order they came. Insertion sort for the usual
// few dozen lines; a hostile head of thousands goes to std::stable_sort. Names are compared folded
// once each: folding in every comparison cost more than the rest of the parse with the two dozen
// headers a provider answers with, a third of them x-ratelimit-*.
void sort_header_lines(std::vector<HeaderLine>& lines) {
  // Inline: cheaper than a call to memcmp for names this short (callgrind: 0.92× the parse of a
  // provider's two dozen headers), and eight bytes at a time was not (1.05×).
  auto less = [](const HeaderLine& a, const HeaderLine& b) {
    const size_t common = std::min(a.key.size(), b.key.size());
    for (size_t i = 0; i < common; ++i)
      if (a.key[i] != b.key[i]) return static_cast<unsigned char>(a.key[i]) < static_cast<unsigned char>(b.key[i]);
    return a.key.size() < b.key.size();
  };
  if (lines.size() > 32) return std::stable_sort(lines.begin(), lines.end(), less);
  for (size_t i = 1; i < lines.size(); ++i) {
    HeaderLine line = lines[i];
    size_t j = i;
    for (; j > 0 && less(line, lines[j - 1]); --j) lines[j] = lines[j - 1];
    lines[j] = line;
  }
}

void prepend_header(httplib::Headers& headers, std::string_view name, std::string_view value);
template <class Line> bool take_kept_map(httplib::Headers& headers, const std::vector<Line>& lines);

} // namespace

namespace {

// How a head's lines go into the map's order, for the heads this thread parsed last: their names
// as they came (each followed by a newline), and the lines' indexes in the map's order. A head
// whose names are one of these, byte for byte, is put in order without folding or sorting.
constexpr size_t k_kept_orders = 4;
constexpr size_t k_kept_order_lines = 64;
constexpr size_t k_kept_order_names = 4096; // bytes of names, all together

struct KeptOrder {
  std::string names;
  std::vector<uint16_t> order;
};

struct KeptOrders {
  std::array<KeptOrder, k_kept_orders> orders;
  size_t next = 0; // the one replaced next: the oldest
};

} // namespace

bool parse_header_lines(std::string_view lines, httplib::Headers& headers) {
  // Reused by every head this thread parses (a fiber does not yield in here); looked up once, as
  // each use of a thread_local goes through its TLS wrapper.
  thread_local std::vector<HeaderLine> reused;
  thread_local std::vector<HeaderLine> reused_sorted;
  thread_local std::string reused_keys;
  thread_local std::string reused_names;
  thread_local KeptOrders kept_orders;
  std::vector<HeaderLine>& arrived = reused;
  std::vector<HeaderLine>& parsed = reused_sorted;
  std::string& keys = reused_keys;
  std::string& names = reused_names;
  arrived.clear();
  names.clear();
  const bool ok = [&] {
    while (!lines.empty()) {
      size_t next = lines.find('\n');
      std::string_view line = lines.substr(0, next);
      lines = next == std::string_view::npos ? std::string_view() : lines.substr(next + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;
      const size_t colon = line.find(':');
      if (colon == 0 || colon == std::string_view::npos) return false;
      arrived.push_back(
          {line.substr(0, colon), trim(line.substr(colon + 1)), {}, static_cast<uint16_t>(arrived.size() & 0xFFFF)});
      names.append(line.data(), colon);
      names += '\n';
    }
    return true;
  }();
  if (!ok) return false;
  parsed.clear();
  const KeptOrder* known = nullptr;
  for (const KeptOrder& kept : kept_orders.orders)
    if (kept.order.size() == arrived.size() && kept.names == names) known = &kept;
  if (known != nullptr) {
    for (uint16_t index : known->order) parsed.push_back(arrived[index]);
  } else {
    // A name is a token (no spaces before the colon; obsolete line folding is refused). Names are
    // folded once each, into the buffer (as long as the names: none outgrows it), for the sort.
    if (keys.size() < names.size()) keys.resize(names.size());
    size_t folded_length = 0;
    for (HeaderLine& line : arrived) {
      char* key = keys.data() + folded_length;
      for (size_t i = 0; i < line.name.size(); ++i) {
        const unsigned char folded = k_name_bytes[static_cast<unsigned char>(line.name[i])];
        if (folded == k_name_special && line.name[i] != static_cast<char>(k_name_special))
          return false; // a space or a tab
        key[i] = static_cast<char>(folded);
      }
      line.key = std::string_view(key, line.name.size());
      folded_length += line.name.size();
    }
    parsed = arrived;
    sort_header_lines(parsed);
    if (arrived.size() <= k_kept_order_lines && names.size() <= k_kept_order_names) {
      KeptOrder& kept = kept_orders.orders[kept_orders.next];
      kept_orders.next = (kept_orders.next + 1) % k_kept_orders;
      kept.names = names;
      kept.order.clear();
      for (const HeaderLine& line : parsed) kept.order.push_back(line.index);
    }
  }
  // In the map's order, each goes in at the front, last first: the hint then holds after one
  // comparison with the name before which it goes, and the insertion needs none (at the end it
  // takes two; in the order they came each would descend the tree). Repeated names, put in
  // before the ones that came earlier, end in the order they came. Were the orders ever to
  // differ, the hint is only a hint: the map stays right.
  if (headers.empty() && take_kept_map(headers, parsed)) {
    // the names were those of a kept map: it holds the values now
  } else if (headers.empty())
    for (auto line = parsed.rbegin(); line != parsed.rend(); ++line) prepend_header(headers, line->name, line->value);
  else // a name already there goes after its namesakes only from the end (two comparisons each)
    for (const auto& line : parsed) append_header(headers, line.name, line.value);
  // A hostile head of thousands of lines does not leave its buffers to the thread.
  if (arrived.capacity() > 256) arrived = std::vector<HeaderLine>();
  if (parsed.capacity() > 256) parsed = std::vector<HeaderLine>();
  if (keys.capacity() > 16384) keys = std::string();
  if (names.capacity() > 16384) names = std::string();
  return true;
}

namespace {

constexpr size_t k_kept_nodes = 256;
constexpr size_t k_kept_text = 256;

std::vector<httplib::Headers::node_type>& kept_nodes() {
  thread_local std::vector<httplib::Headers::node_type> nodes;
  return nodes;
}

// A kept node holding name and an empty value, or an empty handle when the thread has none.
httplib::Headers::node_type kept_node(std::vector<httplib::Headers::node_type>& kept, std::string_view name) {
  if (kept.empty()) return {};
  auto node = std::move(kept.back());
  kept.pop_back();
  node.key().assign(name);
  node.mapped().clear();
  return node;
}

// Whole maps built last, oldest first: request heads, and the headers sent to providers. An agent
// sends the same headers in the same order with every request (the SDKs a dozen x-stainless-*
// among them); a map to build with the names of a kept one, byte for byte and in the map's order,
// takes that one over and only its values are assigned. No node is taken or placed and no name
// compared in the tree, where httplib's comparator folds case with a call per character (with an
// SDK's headers the two maps cost 36,000 instructions a request, callgrind). Shared by the threads
// under a lock: a request to an https:// provider is parsed on the event loop and ends on another
// thread (the fiber leaves the loop for TLS), where its maps are kept. Thirty-two, as the requests
// in flight hold theirs until they end. A map with a long name or value, or with many headers (a
// hostile head), is not kept whole.
constexpr size_t k_kept_maps = 32;
constexpr size_t k_kept_map_headers = 64;

struct KeptMaps {
  std::mutex mutex;
  std::array<httplib::Headers, k_kept_maps> maps; // under mutex
  size_t count = 0;                               // under mutex

  void remove(size_t at) {
    for (size_t next = at + 1; next < count; ++next) maps[next - 1].swap(maps[next]);
    --count;
  }
};

// Never destroyed: threads may still keep and take maps while the process exits.
KeptMaps& kept_maps() {
  static KeptMaps* maps = new KeptMaps();
  return *maps;
}

template <class Line> bool take_kept_map(httplib::Headers& headers, const std::vector<Line>& lines) {
  KeptMaps& kept = kept_maps();
  auto same_names = [&lines](const httplib::Headers& map) {
    if (map.size() != lines.size()) return false;
    auto node = map.begin();
    for (const Line& line : lines)
      if ((node++)->first != line.name) return false;
    return true;
  };
  {
    std::lock_guard lock(kept.mutex);
    size_t at = kept.count;
    while (at > 0 && !same_names(kept.maps[at - 1])) --at; // the newest first
    if (at == 0) return false;
    headers.swap(kept.maps[at - 1]);
    kept.remove(at - 1);
  }
  auto node = headers.begin();
  for (const Line& line : lines) (node++)->second.assign(line.value);
  return true;
}

// Keeps node for the thread's next headers, or frees it.
void keep_node(std::vector<httplib::Headers::node_type>& kept, httplib::Headers::node_type node) {
  if (kept.size() >= k_kept_nodes || node.key().capacity() > k_kept_text || node.mapped().capacity() > k_kept_text)
    return;
  if (kept.capacity() < k_kept_nodes) kept.reserve(k_kept_nodes);
  kept.push_back(std::move(node));
}

// Puts name and value, in a kept node when the thread has one, into headers at hint.
void put_header(httplib::Headers& headers, httplib::Headers::const_iterator hint, std::string_view name,
                std::string_view value) {
  auto node = kept_node(kept_nodes(), name);
  if (node.empty()) {
    headers.emplace_hint(hint, std::string(name), std::string(value));
    return;
  }
  node.mapped().assign(value);
  headers.insert(hint, std::move(node));
}

void prepend_header(httplib::Headers& headers, std::string_view name, std::string_view value) {
  put_header(headers, headers.begin(), name, value);
}

} // namespace

void append_header(httplib::Headers& headers, std::string_view name, std::string_view value) {
  put_header(headers, headers.end(), name, value);
}

void insert_header(httplib::Headers& headers, std::string_view name,
                   std::initializer_list<std::string_view> value_parts) {
  auto node = kept_node(kept_nodes(), name);
  if (node.empty()) {
    std::string value;
    for (std::string_view part : value_parts) value.append(part);
    headers.emplace(std::string(name), std::move(value));
    return;
  }
  for (std::string_view part : value_parts) node.mapped().append(part);
  headers.insert(std::move(node));
}

void recycle_headers(httplib::Headers& headers) {
  auto& kept = kept_nodes();
  while (!headers.empty() && kept.size() < k_kept_nodes) keep_node(kept, headers.extract(headers.begin()));
  headers.clear();
}

bool take_kept_headers(httplib::Headers& headers, const std::vector<NameValue>& lines) {
  return headers.empty() && take_kept_map(headers, lines);
}

void keep_headers_whole(httplib::Headers& headers) {
  if (headers.empty()) return;
  bool whole = headers.size() <= k_kept_map_headers;
  for (auto at = headers.begin(); whole && at != headers.end(); ++at)
    whole = at->first.capacity() <= k_kept_text && at->second.capacity() <= k_kept_text;
  if (!whole) return recycle_headers(headers);
  httplib::Headers oldest; // taken out under the lock, its nodes kept by this thread outside it
  KeptMaps& kept = kept_maps();
  {
    std::lock_guard lock(kept.mutex);
    if (kept.count == k_kept_maps) {
      oldest.swap(kept.maps[0]);
      kept.remove(0);
    }
    kept.maps[kept.count++].swap(headers);
  }
  recycle_headers(oldest);
}

void keep_sent_headers(httplib::Headers& headers) {
  for (auto at = headers.begin(); at != headers.end();) {
    const bool added = iequals(at->first, "Host") || iequals(at->first, "Content-Length") ||
                       iequals(at->first, "Connection") || iequals(at->first, "Proxy-Authorization");
    at = added ? erase_header(headers, at) : std::next(at);
  }
  keep_headers_whole(headers);
}

httplib::Headers::iterator erase_header(httplib::Headers& headers, httplib::Headers::iterator at) {
  auto next = std::next(at);
  keep_node(kept_nodes(), headers.extract(at));
  return next;
}

} // namespace llmgw::core::http::wire
