// The in-place JSON scan and the bounded parser agree with nlohmann's parser on valid JSON, never
// crash on anything else, and refuse the same over-deep text.
#include "core/protocol/json_scan.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>

namespace llmgw::fuzz {

using namespace core::protocol;
using nlohmann::json;

namespace {

// Every member found in a valid object is one the parser found, and the last of each name has
// the parser's value. (Names written with escapes are left out: the parser unescapes them.)
void check_members(std::string_view input, const ScannedObject& scanned, const json& parsed) {
  require(scanned.members.size() >= parsed.size(), "scan_object missed members of a valid object");
  TopLevelMember kept[4];
  require(object_members(input, kept, 4) == scanned.members.size(), "object_members counts other members");
  for (size_t i = 0; i < scanned.members.size() && i < 4; ++i)
    require(kept[i].key == scanned.members[i].key && kept[i].value_begin == scanned.members[i].value_begin,
            "object_members disagrees with scan_object");
  for (const auto& member : scanned.members)
    if (member.key.find('\\') != std::string_view::npos) return;
  for (const auto& member : scanned.members) {
    const std::string key(member.key);
    require(parsed.contains(key), "scan_object found a member the parser did not");
    std::string_view last = member_text(input, member.key);
    if (last.data() != input.data() + member.value_begin) continue; // a repeated name, not the last
    const json& value = parsed[key];
    require(parse_json(last) == value, "member_text is not the parser's value");
    auto text = string_value(input, member);
    require(value.is_string() ? text && *text == value.get<std::string>() : !text, "string_value");
    if (value.is_number_integer() && (!value.is_number_unsigned() || value.get<uint64_t>() <= INT64_MAX)) {
      auto number = integer_value(input, member);
      require(number && *number == value.get<int64_t>(), "integer_value");
    }
  }
}

} // namespace

void fuzz_json_scan(std::string_view input) {
  const bool too_deep = nests_too_deep(input);
  const json parsed = parse_json(input);
  require(!too_deep || parsed.is_discarded(), "parse_json accepted text nested too deep");
  const bool valid = json::accept(input) && input.find('\0') == std::string_view::npos; // NUL ends nlohmann's input
  require(too_deep || parsed.is_discarded() != valid, "parse_json disagrees with the parser");
  if (!parsed.is_discarded()) (void)parsed.dump(); // recursion stays within the depth bound

  ScanFailure failure{};
  auto scanned = scan_object(input, &failure);
  // On malformed text the two may pair quotes differently (a bare token holding a '"'), so only
  // valid JSON must be judged alike.
  if (!scanned && valid)
    require(failure != ScanFailure::too_deep || too_deep, "scan_object too deep but the text is not");
  if (parsed.is_object()) {
    require(scanned.has_value(), "scan_object refused a valid object");
    check_members(input, *scanned, parsed);
  }
  if (valid && too_deep && input.find_first_not_of(" \t\r\n") != std::string_view::npos &&
      input[input.find_first_not_of(" \t\r\n")] == '{')
    require(!scanned && failure == ScanFailure::too_deep, "scan_object accepted an object nested too deep");

  std::string_view first = first_element(input);
  if (!first.empty())
    require(first.data() >= input.data() && first.data() + first.size() <= input.data() + input.size(),
            "first_element points outside the input");
  if (parsed.is_array() && !parsed.empty()) require(parse_json(first) == parsed.front(), "first_element value");
}

} // namespace llmgw::fuzz
