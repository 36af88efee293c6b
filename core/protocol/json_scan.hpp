#pragma once
// A fast scan of a JSON object's top-level members, without building a document. The request
// path uses it so that passthrough never parses or re-serializes a large body it does not change.
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::protocol {

// The deepest nesting of arrays and objects accepted in JSON from a client or a provider (the
// top-level object is level 1). nlohmann's dump(), its copies and the schema converters recurse
// once per level, so deeper text could overflow the stack; real tool schemas nest fewer than 30.
inline constexpr size_t k_max_json_depth = 128;

// "<what> nests JSON deeper than 128 levels": what a client is told about such a body.
std::string too_deep_message(std::string_view what);

// True when text opens more than k_max_json_depth arrays and objects at once (brackets inside
// strings do not count). Any text, JSON or not; one pass, nothing is allocated.
bool nests_too_deep(std::string_view text);

// Parses untrusted JSON text (a client's body, a provider's body or event, JSON text inside a
// string). Returns a discarded value (is_discarded()) when the text is not JSON or nests deeper
// than k_max_json_depth, so nothing recursive ever runs over a document that could overflow the
// stack. The one way text from outside becomes a document: never call nlohmann::json::parse.
nlohmann::json parse_json(std::string_view text);

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

// Why scan_object refused a body.
enum class ScanFailure { malformed, too_deep };

// Scan a body that must be one JSON object. Returns nullopt when it is not well-formed enough to
// be one (unbalanced brackets, unterminated strings, trailing garbage, not an object) or nests
// deeper than k_max_json_depth; `failure`, when given, then says which. The depth check is free:
// the open brackets are counted in a fixed array, as the scan walks every byte anyway.
std::optional<ScannedObject> scan_object(std::string_view body, ScanFailure* failure = nullptr);

// The raw text of the value of member `key` (compared as written, escapes and all) of the object
// `object` holds, the last one when the key repeats (as a parser keeps it); empty when there is
// no such member or the text is not one object (or nests too deep). Nothing is allocated.
std::string_view member_text(std::string_view object, std::string_view key);
// Fills out with up to capacity members of the object `object` holds, in order, and returns how
// many it has (more than capacity: only the first capacity were filled); SIZE_MAX when the text is
// not one object (or nests too deep). Nothing is allocated.
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
