// Header lookups and parsing in core/http/wire.hpp: the scans give what cpp-httplib's map gives,
// ASCII case folding orders names as the map's comparator does, and parsed heads fill the map in
// its own order, repeated names kept in the order they came.
#include "core/http/wire.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using namespace llmgw::core::http;

namespace {

std::vector<std::pair<std::string, std::string>> entries(const httplib::Headers& headers) {
  return {headers.begin(), headers.end()};
}

// A head of names (the i-th with the value i) parses into the map that inserting each in turn gives.
void check_parses_as_inserted(const std::vector<std::string>& names) {
  std::string lines;
  httplib::Headers expected;
  for (size_t i = 0; i < names.size(); ++i) {
    lines += names[i] + ": " + std::to_string(i) + "\r\n";
    expected.emplace(names[i], std::to_string(i));
  }
  httplib::Headers parsed;
  REQUIRE(wire::parse_header_lines(lines, parsed));
  CHECK(entries(parsed) == entries(expected));
}

} // namespace

TEST_CASE("iless orders names exactly as cpp-httplib's header map does; iequals matches them") {
  const httplib::detail::ci map_less;
  std::mt19937 random(20261203);
  // Letters of both cases, digits, punctuation, bytes past ASCII: every range the fold treats apart.
  const std::string alphabet = std::string("aAbBzZ09-_.~[`@{") + "\x7f\x80\xc3\xa9\xff";
  std::uniform_int_distribution<size_t> length(0, 6), pick(0, alphabet.size() - 1);
  auto draw = [&] {
    std::string text(length(random), ' ');
    for (char& c : text) c = alphabet[pick(random)];
    return text;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string a = draw(), b = draw();
    CAPTURE(a);
    CAPTURE(b);
    CHECK(wire::iless(a, b) == map_less(a, b));
    CHECK(wire::iequals(a, b) == (!map_less(a, b) && !map_less(b, a)));
  }
  CHECK(wire::iequals("Content-Length", "content-LENGTH"));
  CHECK_FALSE(wire::iequals("Content-Length", "Content-Lengt"));
  CHECK_FALSE(wire::iequals("\xc3\xa9", "\xc3\x89")); // no folding past ASCII
}

TEST_CASE("find_header, header_value and header_count scan as the map's lookups find") {
  httplib::Headers headers{
      {"Content-Type", "application/json"}, {"X-Stainless-Lang", "js"}, {"x-stainless-lang", "second"}, {"Empty", ""}};
  const std::string* type = wire::find_header(headers, "content-type");
  REQUIRE(type != nullptr);
  CHECK(*type == "application/json");
  CHECK(wire::header_value(headers, "X-STAINLESS-LANG") == headers.find("X-STAINLESS-LANG")->second);
  CHECK(wire::header_value(headers, "x-stainless-lang") == "js"); // the first, as get_header_value gives
  CHECK(wire::header_count(headers, "X-Stainless-Lang") == 2);
  CHECK(wire::header_count(headers, "Missing") == 0);
  CHECK(wire::find_header(headers, "Missing") == nullptr);
  CHECK(wire::header_value(headers, "Missing").empty());
  CHECK(wire::has_header(headers, "empty"));         // present with an empty value
  CHECK_FALSE(wire::has_header(headers, "Content")); // a prefix is not the name
  CHECK(wire::first_header(headers, {"Missing", "EMPTY", "Content-Type"}).empty());
  CHECK(wire::first_header(headers, {"Missing", "content-type"}) == "application/json");
}

TEST_CASE("parse_header_lines fills the map as inserting each line in turn would") {
  SUBCASE("a client's head: repeated names in the order they came, whatever their case") {
    const std::string lines = "Host: 127.0.0.1:4000\r\n"
                              "X-Stainless-Retry-Count: 0\r\n"
                              "content-type: application/json\r\n"
                              "Accept: first\r\n"
                              "x-stainless-arch: x64\r\n"
                              "ACCEPT: second\r\n"
                              "Content-Length:   12  \r\n"
                              "accept:third\r\n"
                              "\r\n"
                              "Ignored: after the blank line\r\n";
    httplib::Headers parsed;
    REQUIRE(wire::parse_header_lines(lines, parsed));
    httplib::Headers expected;
    for (auto [name, value] : std::vector<std::pair<const char*, const char*>>{{"Host", "127.0.0.1:4000"},
                                                                               {"X-Stainless-Retry-Count", "0"},
                                                                               {"content-type", "application/json"},
                                                                               {"Accept", "first"},
                                                                               {"x-stainless-arch", "x64"},
                                                                               {"ACCEPT", "second"},
                                                                               {"Content-Length", "12"},
                                                                               {"accept", "third"}})
      expected.emplace(name, value);
    CHECK(entries(parsed) == entries(expected));
    CHECK(wire::header_count(parsed, "Accept") == 3);
    CHECK(wire::header_value(parsed, "accept") == "first");
    CHECK(parsed.count("Ignored") == 0);
  }
  SUBCASE("a head of many lines (past the insertion sort) keeps the same order") {
    std::vector<std::string> names;
    for (int i = 0; i < 300; ++i) names.push_back(i % 3 == 0 ? "X-Dup" : "x-name-" + std::to_string((i * 7919) % 101));
    check_parses_as_inserted(names);
  }
  SUBCASE("random heads: shared prefixes, both cases, repeats, bytes past ASCII") {
    std::mt19937 random(20261204);
    const std::vector<std::string> stems = {
        "x-ratelimit-remaining-",     "X-RateLimit-Reset-", "set-cookie", "Set-Cookie", "a", "A", "content-", "\xff",
        "anthropic-ratelimit-tokens-"};
    const std::vector<std::string> tails = {"", "requests", "tokens", "Type", "x", "\xc3\xa9", "0"};
    std::uniform_int_distribution<size_t> count(0, 40), stem(0, stems.size() - 1), tail(0, tails.size() - 1);
    for (int round = 0; round < 200; ++round) {
      std::vector<std::string> names(count(random));
      for (auto& name : names) name = stems[stem(random)] + tails[tail(random)];
      check_parses_as_inserted(names);
    }
  }
  SUBCASE("into a map that has headers already") {
    httplib::Headers parsed{{"Zeta", "0"}, {"alpha", "0"}, {"X-Ratelimit-Limit-Tokens", "0"}};
    httplib::Headers expected = parsed;
    REQUIRE(wire::parse_header_lines("x-ratelimit-limit-tokens: 1\r\nAlpha: 2\r\nmiddle: 3\r\n", parsed));
    for (auto [name, value] : std::vector<std::pair<const char*, const char*>>{
             {"x-ratelimit-limit-tokens", "1"}, {"Alpha", "2"}, {"middle", "3"}})
      expected.emplace(name, value);
    CHECK(entries(parsed) == entries(expected));
  }
  SUBCASE("malformed lines are refused") {
    httplib::Headers parsed;
    CHECK_FALSE(wire::parse_header_lines("Bad Name: x\r\n", parsed));
    CHECK_FALSE(wire::parse_header_lines("Tab\tName: x\r\n", parsed));
    CHECK_FALSE(wire::parse_header_lines(": no name\r\n", parsed));
    CHECK_FALSE(wire::parse_header_lines("no colon\r\n", parsed));
    CHECK_FALSE(wire::parse_header_lines("Fine: 1\r\n folded\r\n", parsed));
    CHECK(parsed.empty()); // a refused head adds nothing, not even its good lines
    httplib::Headers spaced;
    REQUIRE(wire::parse_header_lines("Name: value with: colon \r\n", spaced));
    CHECK(wire::header_value(spaced, "name") == "value with: colon");
  }
}

TEST_CASE("header nodes dropped by a request hold the next one's headers, in the map's order") {
  httplib::Headers first;
  REQUIRE(wire::parse_header_lines(
      "Host: a\r\nContent-Type: application/json\r\nX-Long: " + std::string(300, 'v') + "\r\nAccept: */*\r\n", first));
  std::vector<const void*> nodes;
  for (const auto& header : first)
    if (header.first != "X-Long") nodes.push_back(&header);
  wire::recycle_headers(first);
  CHECK(first.empty());

  // Three kept (the one with a 300-byte value was freed): the next three headers take them, in
  // whatever order, and hold exactly their own names and values.
  httplib::Headers next;
  wire::append_header(next, "Accept-Encoding", "gzip");
  wire::append_header(next, "Authorization", "Bearer k");
  wire::append_header(next, "User-Agent", "OpenAI/JS 6.1.0");
  wire::insert_header(next, "Content-Type", {"application/", "json"});
  std::vector<const void*> reused;
  for (const auto& header : next) reused.push_back(&header);
  int kept = 0;
  for (const void* node : nodes) kept += std::count(reused.begin(), reused.end(), node) ? 1 : 0;
  CHECK(kept == 3);
  CHECK(entries(next) == std::vector<std::pair<std::string, std::string>>{{"Accept-Encoding", "gzip"},
                                                                          {"Authorization", "Bearer k"},
                                                                          {"Content-Type", "application/json"},
                                                                          {"User-Agent", "OpenAI/JS 6.1.0"}});

  // erase_header takes one out, keeps its node and returns the next.
  auto at = next.find("Authorization");
  const void* erased = &*at;
  at = wire::erase_header(next, at);
  REQUIRE(at != next.end());
  CHECK(at->first == "Content-Type");
  CHECK(next.size() == 3);
  httplib::Headers again;
  wire::append_header(again, "Date", "Fri, 04 Dec 2026 06:00:00 GMT");
  CHECK(&*again.begin() == erased);
  CHECK(again.begin()->second == "Fri, 04 Dec 2026 06:00:00 GMT");
  wire::recycle_headers(next);
  wire::recycle_headers(again);
}

TEST_CASE("a head with the names of one before takes its order and its kept map, with values of its own") {
  // An SDK's head: repeated names in both cases, shared prefixes, names past ASCII.
  const std::vector<std::string> names = {
      "Host",   "X-Stainless-Retry-Count", "content-type", "Accept",     "x-stainless-arch",
      "ACCEPT", "Content-Length",          "accept",       "X-\xc3\xa9", "x-stainless-lang"};
  auto head = [&](const std::vector<std::string>& order, const std::string& tag) {
    std::string lines;
    httplib::Headers expected;
    for (size_t i = 0; i < order.size(); ++i) {
      lines += order[i] + ": " + tag + std::to_string(i) + "\r\n";
      expected.emplace(order[i], tag + std::to_string(i));
    }
    return std::pair{lines, expected};
  };

  auto [first_lines, first_expected] = head(names, "first-");
  httplib::Headers first;
  REQUIRE(wire::parse_header_lines(first_lines, first));
  CHECK(entries(first) == entries(first_expected));
  std::vector<const void*> nodes;
  for (const auto& header : first) nodes.push_back(&header);
  wire::keep_headers_whole(first);
  CHECK(first.empty());

  // The same names again: the kept map, node for node, with the new values.
  auto [second_lines, second_expected] = head(names, "second-");
  httplib::Headers second;
  REQUIRE(wire::parse_header_lines(second_lines, second));
  CHECK(entries(second) == entries(second_expected));
  std::vector<const void*> second_nodes;
  for (const auto& header : second) second_nodes.push_back(&header);
  CHECK(second_nodes == nodes);
  wire::keep_headers_whole(second);

  SUBCASE("the same names in another order") {
    std::vector<std::string> shuffled = names;
    std::reverse(shuffled.begin(), shuffled.end());
    auto [lines, expected] = head(shuffled, "r-");
    httplib::Headers parsed;
    REQUIRE(wire::parse_header_lines(lines, parsed));
    CHECK(entries(parsed) == entries(expected));
    wire::keep_headers_whole(parsed);
  }
  SUBCASE("one name in another case") {
    std::vector<std::string> recased = names;
    recased[2] = "Content-Type";
    auto [lines, expected] = head(recased, "c-");
    httplib::Headers parsed;
    REQUIRE(wire::parse_header_lines(lines, parsed));
    CHECK(entries(parsed) == entries(expected));
  }
  SUBCASE("one line fewer, or one more") {
    for (auto changed : {std::vector<std::string>(names.begin(), names.end() - 1), names}) {
      if (changed.size() == names.size()) changed.push_back("Accept");
      auto [lines, expected] = head(changed, "n-");
      httplib::Headers parsed;
      REQUIRE(wire::parse_header_lines(lines, parsed));
      CHECK(entries(parsed) == entries(expected));
    }
  }
  SUBCASE("a name with a space before the colon is refused, though the others match") {
    std::string lines = first_lines;
    lines.replace(lines.find("Host:"), 5, "Host :");
    httplib::Headers parsed;
    CHECK_FALSE(wire::parse_header_lines(lines, parsed));
    CHECK(parsed.empty());
  }
  SUBCASE("into a map that has headers already") {
    httplib::Headers parsed{{"accept", "before"}};
    httplib::Headers expected = parsed;
    for (const auto& [name, value] : second_expected) expected.emplace(name, value);
    REQUIRE(wire::parse_header_lines(second_lines, parsed));
    CHECK(entries(parsed) == entries(expected));
  }
  SUBCASE("a map with a long value is not kept whole; the next head with its names is still right") {
    auto [lines, expected] = head(names, std::string(300, 'v'));
    httplib::Headers parsed;
    REQUIRE(wire::parse_header_lines(lines, parsed));
    CHECK(entries(parsed) == entries(expected));
    wire::keep_headers_whole(parsed);
    CHECK(parsed.empty());
    auto [again_lines, again_expected] = head(names, "again-");
    httplib::Headers again;
    REQUIRE(wire::parse_header_lines(again_lines, again));
    CHECK(entries(again) == entries(again_expected));
  }
  SUBCASE("a head of many lines, twice") {
    std::vector<std::string> many;
    for (int i = 0; i < 100; ++i) many.push_back(i % 4 == 0 ? "X-Dup" : "x-name-" + std::to_string((i * 7919) % 53));
    for (const char* tag : {"a-", "b-"}) {
      auto [lines, expected] = head(many, tag);
      httplib::Headers parsed;
      REQUIRE(wire::parse_header_lines(lines, parsed));
      CHECK(entries(parsed) == entries(expected));
      wire::keep_headers_whole(parsed);
    }
  }
}

TEST_CASE("a map kept whole on one thread is taken over on another, as by a request that left the event loop") {
  httplib::Headers first;
  REQUIRE(wire::parse_header_lines("Host: a\r\nX-Cross-Thread: 1\r\nAccept: */*\r\n", first));
  std::vector<const void*> nodes;
  for (const auto& header : first) nodes.push_back(&header);
  std::thread([&] { wire::keep_headers_whole(first); }).join(); // where an https:// request ends
  CHECK(first.empty());
  httplib::Headers second;
  REQUIRE(wire::parse_header_lines("Host: b\r\nX-Cross-Thread: 2\r\nAccept: */*\r\n", second));
  std::vector<const void*> again;
  for (const auto& header : second) again.push_back(&header);
  CHECK(again == nodes);
  CHECK(entries(second) ==
        std::vector<std::pair<std::string, std::string>>{{"Accept", "*/*"}, {"Host", "b"}, {"X-Cross-Thread", "2"}});
  wire::keep_headers_whole(second);
}
