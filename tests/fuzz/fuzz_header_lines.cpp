// Header lines parse into the map that inserting each valid line in turn gives, or are refused as
// a whole, however the thread's kept maps and orders (wire::keep_headers_whole) were left by the
// heads before: the input is several heads, each parsed twice, its map kept whole after each.
#include "core/http/wire.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmgw::fuzz {

namespace wire = core::http::wire;

namespace {

// What a head's lines must give: the map of each "Name: value" line inserted in turn (up to the
// first empty line), or nothing when a line has no colon, an empty name, or a space or a tab in
// its name.
std::optional<httplib::Headers> expected_map(std::string_view lines) {
  httplib::Headers map;
  while (!lines.empty()) {
    const size_t next = lines.find('\n');
    std::string_view line = lines.substr(0, next);
    lines = next == std::string_view::npos ? std::string_view() : lines.substr(next + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
    const std::string_view name = line.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    map.emplace(std::string(name), std::string(wire::trim(line.substr(colon + 1))));
  }
  return map;
}

std::vector<std::pair<std::string, std::string>> entries(const httplib::Headers& map) {
  return {map.begin(), map.end()};
}

void check_head(std::string_view lines) {
  const auto expected = expected_map(lines);
  for (int pass = 0; pass < 2; ++pass) {
    httplib::Headers parsed;
    const bool ok = wire::parse_header_lines(lines, parsed);
    require(ok == expected.has_value(), "parse_header_lines accepts what insertion refuses, or the reverse");
    if (!ok) {
      require(parsed.empty(), "a refused head left headers in the map");
      continue;
    }
    require(entries(parsed) == entries(*expected), "parse_header_lines gave another map than insertion");
    wire::keep_headers_whole(parsed); // for the second pass, and for the heads after this one
  }
}

} // namespace

// Heads are separated by a NUL byte; the same head twice in a row, or a head with the names of an
// earlier one, is what the kept maps and orders are for.
void fuzz_header_lines(std::string_view input) {
  while (!input.empty()) {
    const size_t end = input.find('\0');
    check_head(input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
}

} // namespace llmgw::fuzz
