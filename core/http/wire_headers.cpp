// Header maps (httplib::Headers): lookups that scan, parsing a head's lines in the map's order,
// and the nodes a thread keeps for its next maps (declared in core/http/wire.hpp).
#include "core/http/wire.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace llmgw::core::http::wire {

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

} // namespace

bool parse_header_lines(std::string_view lines, httplib::Headers& headers) {
  // Reused by every head this thread parses (a fiber does not yield in here); looked up once, as
  // each use of a thread_local goes through its TLS wrapper.
  thread_local std::vector<HeaderLine> reused;
  thread_local std::string reused_keys;
  std::vector<HeaderLine>& parsed = reused;
  std::string& keys = reused_keys;
  parsed.clear();
  if (keys.size() < lines.size()) keys.resize(lines.size());
  size_t names = 0; // the folded names' length, all together
  const bool ok = [&] {
    while (!lines.empty()) {
      size_t next = lines.find('\n');
      std::string_view line = lines.substr(0, next);
      lines = next == std::string_view::npos ? std::string_view() : lines.substr(next + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;
      // A name is a token (no spaces before the colon); obsolete line folding is refused. It is
      // folded on the way, into the buffer (as long as the lines: no name outgrows it).
      char* key = keys.data() + names;
      size_t colon = 0;
      for (; colon < line.size(); ++colon) {
        const char c = line[colon];
        const unsigned char folded = k_name_bytes[static_cast<unsigned char>(c)];
        if (folded == k_name_special) {
          if (c == ':') break;
          if (c == ' ' || c == '\t') return false;
        }
        key[colon] = static_cast<char>(folded);
      }
      if (colon == 0 || colon == line.size()) return false;
      parsed.push_back({line.substr(0, colon), trim(line.substr(colon + 1)), std::string_view(key, colon)});
      names += colon;
    }
    return true;
  }();
  if (ok) {
    // In the map's order, each goes in at the front, last first: the hint then holds after one
    // comparison with the name before which it goes, and the insertion needs none (at the end it
    // takes two; in the order they came each would descend the tree). Repeated names, put in
    // before the ones that came earlier, end in the order they came. Were the orders ever to
    // differ, the hint is only a hint: the map stays right.
    sort_header_lines(parsed);
    if (headers.empty())
      for (auto line = parsed.rbegin(); line != parsed.rend(); ++line) prepend_header(headers, line->name, line->value);
    else // a name already there goes after its namesakes only from the end (two comparisons each)
      for (const auto& line : parsed) append_header(headers, line.name, line.value);
  }
  // A hostile head of thousands of lines does not leave its buffers to the thread.
  if (parsed.capacity() > 256) parsed = std::vector<HeaderLine>();
  if (keys.capacity() > 16384) keys = std::string();
  return ok;
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

httplib::Headers::iterator erase_header(httplib::Headers& headers, httplib::Headers::iterator at) {
  auto next = std::next(at);
  keep_node(kept_nodes(), headers.extract(at));
  return next;
}

} // namespace llmgw::core::http::wire
