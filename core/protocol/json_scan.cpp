#include "core/protocol/json_scan.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

namespace llmgw::core::protocol {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// Index just past the closing quote of the string starting at s[i] == '"', or npos.
size_t skip_string(std::string_view s, size_t i) {
  ++i;
  while (i < s.size()) {
    const void* hit = std::memchr(s.data() + i, '"', s.size() - i);
    if (hit == nullptr) return std::string_view::npos;
    size_t quote = static_cast<const char*>(hit) - s.data();
    size_t backslashes = 0;
    while (quote - backslashes > i && s[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    i = quote + 1;
  }
  return std::string_view::npos;
}

// What skip_value and walk_object return instead of an index: the text is not a value there, or
// it opens more arrays and objects than allowed. Both are larger than any real index.
constexpr size_t k_malformed = std::string_view::npos;
constexpr size_t k_too_deep = std::string_view::npos - 1;

bool failed(size_t end) { return end >= k_too_deep; }

// Index just past the value starting at s[i], or a failure. Nested containers are skipped by
// depth: at most `room` may be open at once (the open brackets live in a fixed array).
size_t skip_value(std::string_view s, size_t i, size_t room) {
  if (i >= s.size()) return k_malformed;
  char c = s[i];
  if (c == '"') return skip_string(s, i);
  if (c != '{' && c != '[') {
    size_t j = i;
    while (j < s.size() && !is_space(s[j]) && s[j] != ',' && s[j] != '}' && s[j] != ']') ++j;
    return j == i ? k_malformed : j;
  }
  std::array<char, k_max_json_depth> stack; // open brackets, stack[0..depth)
  size_t depth = 0;
  for (; i < s.size(); ++i) {
    char d = s[i];
    if (d == '"') {
      i = skip_string(s, i);
      if (i == std::string_view::npos) return k_malformed;
      --i; // the loop steps past the closing quote
    } else if (d == '{' || d == '[') {
      if (depth == room || depth == stack.size()) return k_too_deep;
      stack[depth++] = d;
    } else if (d == '}' || d == ']') {
      if ((d == '}') != (stack[depth - 1] == '{')) return k_malformed;
      if (--depth == 0) return i + 1;
    }
  }
  return k_malformed;
}

// Calls on_member(key, value_begin, value_end) for each member of the object whose '{' is at
// body[i], in order. Returns the index just past the closing '}', or a failure: k_malformed when
// the text is not one object there (unbalanced brackets, unterminated strings, a missing ':' or
// ','), k_too_deep when a member's value nests deeper than k_max_json_depth with the object.
template <class OnMember> size_t walk_object(std::string_view body, size_t i, OnMember&& on_member) {
  if (i >= body.size() || body[i] != '{') return k_malformed;
  i = skip_space(body, i + 1);
  if (i < body.size() && body[i] == '}') return i + 1;
  while (i < body.size()) {
    if (body[i] != '"') return k_malformed;
    size_t key_end = skip_string(body, i);
    if (key_end == std::string_view::npos) return k_malformed;
    std::string_view key = body.substr(i + 1, key_end - i - 2);
    i = skip_space(body, key_end);
    if (i >= body.size() || body[i] != ':') return k_malformed;
    i = skip_space(body, i + 1);
    size_t value_end = skip_value(body, i, k_max_json_depth - 1);
    if (failed(value_end)) return value_end;
    on_member(key, i, value_end);
    i = skip_space(body, value_end);
    if (i < body.size() && body[i] == ',') {
      i = skip_space(body, i + 1);
      continue;
    }
    return i < body.size() && body[i] == '}' ? i + 1 : k_malformed;
  }
  return k_malformed;
}

} // namespace

const TopLevelMember* ScannedObject::find(std::string_view key) const {
  for (const auto& member : members)
    if (member.key == key) return &member;
  return nullptr;
}

std::string too_deep_message(std::string_view what) {
  return std::string(what) + " nests JSON deeper than " + std::to_string(k_max_json_depth) + " levels";
}

bool nests_too_deep(std::string_view text) {
  size_t depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    switch (text[i]) {
    case '"':
      i = skip_string(text, i);
      if (i == std::string_view::npos) return false; // an unterminated string: brackets end here
      --i;
      break;
    case '[':
    case '{':
      if (++depth > k_max_json_depth) return true;
      break;
    case ']':
    case '}':
      if (depth > 0) --depth;
      break;
    default: break;
    }
  }
  return false;
}

nlohmann::json parse_json(std::string_view text) {
  // nlohmann takes a NUL byte for the end of the input and would accept `{...}\0garbage`; no JSON
  // text holds a raw NUL, so such text is not JSON (the scan refuses it too).
  if (nests_too_deep(text) || text.find('\0') != std::string_view::npos)
    return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text, nullptr, false);
}

std::optional<ScannedObject> scan_object(std::string_view body, ScanFailure* failure) {
  ScannedObject out;
  out.members.reserve(16); // one allocation for the objects the request path scans (a few to a dozen members)
  out.open_brace = skip_space(body, 0);
  size_t end = walk_object(body, out.open_brace, [&](std::string_view key, size_t begin, size_t value_end) {
    out.members.push_back({key, begin, value_end});
  });
  if (!failed(end) && skip_space(body, end) == body.size()) return out;
  if (failure != nullptr) *failure = end == k_too_deep ? ScanFailure::too_deep : ScanFailure::malformed;
  return std::nullopt;
}

std::string_view member_text(std::string_view object, std::string_view key) {
  std::string_view found;
  size_t end = walk_object(object, skip_space(object, 0), [&](std::string_view name, size_t begin, size_t value_end) {
    if (name == key) found = object.substr(begin, value_end - begin);
  });
  return failed(end) ? std::string_view{} : found;
}

size_t object_members(std::string_view object, TopLevelMember* out, size_t capacity) {
  size_t count = 0;
  size_t end = walk_object(object, skip_space(object, 0), [&](std::string_view key, size_t begin, size_t value_end) {
    if (count < capacity) out[count] = {key, begin, value_end};
    ++count;
  });
  return failed(end) ? SIZE_MAX : count;
}

std::string_view first_element(std::string_view array) {
  size_t i = skip_space(array, 0);
  if (i >= array.size() || array[i] != '[') return {};
  i = skip_space(array, i + 1);
  size_t end = i < array.size() && array[i] != ']' ? skip_value(array, i, k_max_json_depth - 1) : k_malformed;
  return failed(end) ? std::string_view{} : array.substr(i, end - i);
}

std::optional<std::string> string_value(std::string_view body, const TopLevelMember& member) {
  std::string_view raw = body.substr(member.value_begin, member.value_end - member.value_begin);
  if (raw.size() < 2 || raw.front() != '"') return std::nullopt;
  if (raw.find('\\') == std::string_view::npos) return std::string(raw.substr(1, raw.size() - 2));
  auto parsed = parse_json(raw);
  if (!parsed.is_string()) return std::nullopt;
  return parsed.get<std::string>();
}

bool is_true(std::string_view body, const TopLevelMember& member) {
  return body.substr(member.value_begin, member.value_end - member.value_begin) == "true";
}

std::optional<long long> integer_value(std::string_view body, const TopLevelMember& member) {
  std::string_view raw = body.substr(member.value_begin, member.value_end - member.value_begin);
  long long value = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || end != raw.data() + raw.size()) return std::nullopt;
  return value;
}

std::string json_quote(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace llmgw::core::protocol
