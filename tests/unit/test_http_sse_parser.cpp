// The SSE parser against the §8.1 vectors and recorded streams split at every byte.
#include "core/http/sse_parser.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using llmgw::core::http::SseEvent;
using llmgw::core::http::SseParser;

namespace {

struct Block {
  std::string raw;
  std::string event;
  std::string data;
  bool has_data = false;

  bool same_event(const Block& other) const {
    return event == other.event && data == other.data && has_data == other.has_data;
  }
};

std::vector<Block> parse_reads(const std::vector<std::string>& reads, bool finish = true) {
  std::vector<Block> blocks;
  SseParser parser;
  auto collect = [&](const SseEvent& e) {
    blocks.push_back({std::string(e.raw), std::string(e.event), std::string(e.data), e.has_data});
  };
  for (const auto& read : reads) parser.feed(read, collect);
  if (finish) parser.finish(collect);
  return blocks;
}

std::vector<Block> dispatched(const std::vector<Block>& blocks) {
  std::vector<Block> out;
  for (const auto& block : blocks)
    if (block.has_data) out.push_back(block);
  return out;
}

std::string joined_raw(const std::vector<Block>& blocks) {
  std::string out;
  for (const auto& block : blocks) out += block.raw;
  return out;
}

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(LLMGW_TEST_FIXTURES) + "/streams/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::vector<std::string> k_fixtures = {
    "openai_chat_text_usage.sse", "openai_chat_tools.sse", "anthropic_thinking_tool.sse",
    "responses_text.sse",         "gemini_crlf.sse",       "anthropic_cjk_emoji.sse",
};

// Same dispatched events, and the raw bytes still add up to the input. (A read ending between
// the CR and LF of a block's last CR LF moves that LF into the next block's raw.)
void check_same(const std::vector<Block>& expected_blocks, const std::vector<Block>& actual_blocks,
                const std::string& input) {
  auto expected = dispatched(expected_blocks);
  auto actual = dispatched(actual_blocks);
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) CHECK(actual[i].same_event(expected[i]));
  CHECK(joined_raw(actual_blocks) == input);
}

} // namespace

TEST_CASE("parses the PROTOCOLS.md §8.1 test vectors") {
  auto one = [](std::vector<std::string> reads) { return dispatched(parse_reads(reads)); };
  SUBCASE("LF") {
    auto e = one({"data: a\n\n"});
    REQUIRE(e.size() == 1);
    CHECK(e[0].data == "a");
  }
  SUBCASE("CRLF") {
    auto e = one({"data: a\r\n\r\n"});
    REQUIRE(e.size() == 1);
    CHECK(e[0].data == "a");
  }
  SUBCASE("lone CR") {
    auto e = one({"data: a\r\rdata: b\r\r"});
    REQUIRE(e.size() == 2);
    CHECK(e[0].data == "a");
    CHECK(e[1].data == "b");
  }
  SUBCASE("CR at the end of one read, LF at the start of the next") {
    auto e = one({"data: a\r", "\n\n"});
    REQUIRE(e.size() == 1);
    CHECK(e[0].data == "a");
  }
  SUBCASE("no space after the colon") { CHECK(one({"data:a\n\n"})[0].data == "a"); }
  SUBCASE("only one space is removed") { CHECK(one({"data:  a\n\n"})[0].data == " a"); }
  SUBCASE("multi-line data joins with LF") { CHECK(one({"data: a\ndata: b\n\n"})[0].data == "a\nb"); }
  SUBCASE("comment block then event") {
    auto e = one({": keepalive\n\ndata: x\n\n"});
    REQUIRE(e.size() == 1);
    CHECK(e[0].data == "x");
  }
  SUBCASE("event name") {
    auto e = one({"event: message_start\ndata: {..}\n\n"});
    REQUIRE(e.size() == 1);
    CHECK(e[0].event == "message_start");
    CHECK(e[0].data == "{..}");
  }
  SUBCASE("BOM stripped") {
    CHECK(one({"\xEF\xBB\xBF"
               "data: a\n\n"})[0]
              .data == "a");
  }
  SUBCASE("UTF-8 split inside a character") { CHECK(one({"data: \xC3", "\xA9\n\n"})[0].data == "\xC3\xA9"); }
  SUBCASE("event without data dispatches nothing") {
    auto blocks = parse_reads({"event: ping\n\n"});
    REQUIRE(blocks.size() == 1);
    CHECK_FALSE(blocks[0].has_data);
    CHECK(blocks[0].event == "ping");
    CHECK(blocks[0].raw == "event: ping\n\n");
  }
  SUBCASE("DONE sentinel is plain data") { CHECK(one({"data: [DONE]\n\n"})[0].data == "[DONE]"); }
}

TEST_CASE("raw holds every byte of a block, comments and blank line included") {
  std::string input = ": OPENROUTER PROCESSING\n\nid: 7\nevent: delta\r\n: note\ndata: x\r\nretry: 10\n\n";
  auto blocks = parse_reads({input});
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].raw == ": OPENROUTER PROCESSING\n\n");
  CHECK_FALSE(blocks[0].has_data);
  CHECK(blocks[1].raw == "id: 7\nevent: delta\r\n: note\ndata: x\r\nretry: 10\n\n");
  CHECK(blocks[1].event == "delta");
  CHECK(blocks[1].data == "x");
}

TEST_CASE("a BOM is stripped only at the very start, even split across reads") {
  auto blocks = parse_reads({"\xEF", "\xBB",
                             "\xBF"
                             "data: a\n\n\xEF\xBB\xBF"
                             "data: b\n\n"});
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].data == "a");
  CHECK(blocks[0].raw == "\xEF\xBB\xBF"
                         "data: a\n\n");
  CHECK_FALSE(blocks[1].has_data); // the field name is "\xEF\xBB\xBFdata", an unknown field
}

TEST_CASE("a field line without a colon has an empty value") {
  auto blocks = parse_reads({"data\n\n"});
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].has_data);
  CHECK(blocks[0].data.empty());
}

TEST_CASE("mixed line endings in one stream") {
  auto e = dispatched(parse_reads({"data: a\r\n\ndata: b\r\rdata: c\n\r\nevent: x\rdata: d\r\ndata: e\n\n"}));
  REQUIRE(e.size() == 4);
  CHECK(e[0].data == "a");
  CHECK(e[1].data == "b");
  CHECK(e[2].data == "c");
  CHECK(e[3].event == "x");
  CHECK(e[3].data == "d\ne");
}

TEST_CASE("finish delivers a trailing block without its blank line") {
  auto blocks = parse_reads({"data: a\n\ndata: b\ndata: c"});
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[1].data == "b\nc");
  CHECK(blocks[1].raw == "data: b\ndata: c");
  CHECK(parse_reads({"data: a\n\n"}).size() == 1); // nothing pending: no extra block
  auto unfinished = parse_reads({"data: a\n\ndata: b"}, false);
  CHECK(unfinished.size() == 1);
}

TEST_CASE("pending_bytes counts the unfinished block") {
  SseParser parser;
  int blocks = 0;
  auto count = [&](const SseEvent&) { ++blocks; };
  parser.feed("data: a\n\ndata: b", count);
  CHECK(blocks == 1);
  CHECK(parser.pending_bytes() == 7);
  parser.feed("\n\n", count);
  CHECK(blocks == 2);
  CHECK(parser.pending_bytes() == 0);
}

TEST_CASE("every recorded stream split at every byte yields the same events") {
  for (const auto& name : k_fixtures) {
    CAPTURE(name);
    std::string input = read_fixture(name);
    auto whole = parse_reads({input});
    CHECK(joined_raw(whole) == input);
    CHECK(dispatched(whole).size() >= 3);
    for (size_t split = 1; split < input.size(); ++split) {
      CAPTURE(split);
      check_same(whole, parse_reads({input.substr(0, split), input.substr(split)}), input);
    }
    std::vector<std::string> bytes;
    for (char c : input) bytes.emplace_back(1, c);
    check_same(whole, parse_reads(bytes), input);
  }
}

TEST_CASE("split UTF-8 never turns into U+FFFD") {
  std::string input = read_fixture("anthropic_cjk_emoji.sse");
  const std::string replacement = "\xEF\xBF\xBD";
  auto whole = dispatched(parse_reads({input}));
  std::string text;
  for (const auto& e : whole) text += e.data;
  CHECK(text.find("你好，世界！") != std::string::npos);
  CHECK(text.find("🌏🚀") != std::string::npos);
  for (size_t split = 1; split < input.size(); ++split) {
    auto events = dispatched(parse_reads({input.substr(0, split), input.substr(split)}));
    for (const auto& e : events) REQUIRE(e.data.find(replacement) == std::string::npos);
  }
}

TEST_CASE("a CR LF split across reads keeps the byte stream exact") {
  auto blocks = parse_reads({"data: a\r\n\r", "\ndata: b\r\n\r\n"});
  auto events = dispatched(blocks);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "a");
  CHECK(events[1].data == "b");
  CHECK(joined_raw(blocks) == "data: a\r\n\r\ndata: b\r\n\r\n");
}

TEST_CASE("an event of several megabytes arriving in small reads") {
  std::string payload(5 * 1024 * 1024, 'x');
  std::string input = "event: response.completed\ndata: " + payload + "\n\n";
  std::vector<std::string> reads;
  for (size_t at = 0; at < input.size(); at += 4096) reads.push_back(input.substr(at, 4096));
  auto blocks = parse_reads(reads);
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].data.size() == payload.size());
  CHECK(blocks[0].raw.size() == input.size());
}

TEST_CASE("many CR-terminated events in one read") {
  std::string input;
  for (int i = 0; i < 20000; ++i) input += "data: " + std::to_string(i) + "\r\r";
  auto events = dispatched(parse_reads({input}));
  REQUIRE(events.size() == 20000);
  CHECK(events.back().data == "19999");
}
