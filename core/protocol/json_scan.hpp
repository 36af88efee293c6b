#pragma once
// A fast scan of a JSON object's top-level members, without building a document. The request
// path uses it so that passthrough never parses or re-serializes a large body it does not change.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::protocol {

struct TopLevelMember {
  std::string_view key;   // raw key text between the quotes (escapes left as they are)
  size_t value_begin = 0; // byte offsets of the value within the body
  size_t value_end = 0;
};

struct ScannedObject {
  std::vector<TopLevelMember> members;
  size_t open_brace = 0; // offset of the object's '{'

  const TopLevelMember* find(std::string_view key) const;
};

// Scan a body that must be one JSON object. Returns nullopt when it is not well-formed enough to
// be one (unbalanced brackets, unterminated strings, trailing garbage, not an object).
std::optional<ScannedObject> scan_object(std::string_view body);

// The raw text of the value of member `key` (compared as written, escapes and all) of the object
// `object` holds, the last one when the key repeats (as a parser keeps it); empty when there is
// no such member or the text is not one object. Nothing is allocated.
std::string_view member_text(std::string_view object, std::string_view key);
// Fills out with up to capacity members of the object `object` holds, in order, and returns how
// many it has (more than capacity: only the first capacity were filled); SIZE_MAX when the text is
// not one object. Nothing is allocated.
size_t object_members(std::string_view object, TopLevelMember* out, size_t capacity);
// The raw text of the first element of the array `array` holds; empty when there is none.
std::string_view first_element(std::string_view array);

// The value of a member as text: a JSON string's unescaped content, or nullopt if not a string.
std::optional<std::string> string_value(std::string_view body, const TopLevelMember& member);
// True when the member's value is the literal `true`.
bool is_true(std::string_view body, const TopLevelMember& member);
// An integer member's value, or nullopt.
std::optional<long long> integer_value(std::string_view body, const TopLevelMember& member);

// Quote and escape text as a JSON string.
std::string json_quote(std::string_view text);

} // namespace llmgw::core::protocol
