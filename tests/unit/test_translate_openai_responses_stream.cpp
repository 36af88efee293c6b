// OpenAI Responses codec: upstream Responses streams decoded into neutral events (PROTOCOLS.md
// §2.4), fed at every split point.
#include "core/translate/openai_responses/codec.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::translate;
using llmgw::test::check_golden;
using llmgw::test::decode_stream;
using llmgw::test::events_json;
using llmgw::test::read_translate_fixture;
using nlohmann::json;

namespace {

const char* const k_dir = "openai_responses/";

} // namespace

TEST_CASE("decodes a Codex-style stream the same at every split point") {
  std::string bytes = read_translate_fixture(std::string(k_dir) + "stream_codex_tools.sse");
  auto decoder = openai_responses::make_stream_decoder();
  auto whole = events_json(decode_stream(*decoder, bytes, bytes.size()));
  check_golden(whole, std::string(k_dir) + "stream_codex_tools.events.json");
  for (size_t split = 0; split < bytes.size(); ++split) {
    auto fresh = openai_responses::make_stream_decoder();
    auto events = events_json(decode_stream(*fresh, bytes, split));
    if (events != whole) FAIL("split at " << split << " differs: " << events.dump());
  }
  const json& finish = whole.back();
  CHECK(finish["type"] == "finish");
  CHECK(finish["stop"] == "tool_use");
  CHECK(finish["usage"]["cache_read"] == 11000);
  CHECK(finish["usage"]["input_uncached"] == 1000);
}

TEST_CASE("decodes the recorded text stream with its reasoning signature") {
  std::string bytes = read_translate_fixture("../streams/responses_text.sse");
  auto decoder = openai_responses::make_stream_decoder();
  auto events = events_json(decode_stream(*decoder, bytes, bytes.size() / 2));
  check_golden(events, std::string(k_dir) + "stream_text.events.json");
  CHECK(events.back()["stop"] == "end_turn");
}

TEST_CASE("a stream cut before response.completed gives no finish") {
  std::string bytes = read_translate_fixture(std::string(k_dir) + "stream_codex_tools.sse");
  bytes = bytes.substr(0, bytes.find("event: response.completed"));
  auto decoder = openai_responses::make_stream_decoder();
  for (const auto& event : decode_stream(*decoder, bytes, bytes.size())) {
    CHECK(event.type != StreamEvent::Type::finish);
    CHECK(event.type != StreamEvent::Type::error);
  }
}

TEST_CASE("decodes incomplete, failed and error terminal events; never finishes twice") {
  auto run = [](const std::string& sse) {
    auto decoder = openai_responses::make_stream_decoder();
    return decode_stream(*decoder, sse, sse.size());
  };
  auto incomplete =
      run("event: response.incomplete\ndata: {\"type\":\"response.incomplete\",\"response\":{\"id\":\"r\","
          "\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},"
          "\"usage\":{\"input_tokens\":10,\"output_tokens\":5,\"total_tokens\":15}}}\n\n"
          "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{}}\n\n");
  REQUIRE(incomplete.size() == 2);
  CHECK(incomplete[1].type == StreamEvent::Type::finish);
  CHECK(incomplete[1].stop == StopReason::max_tokens);
  CHECK(incomplete[1].usage.output_tokens == 5);

  auto failed =
      run("event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"id\":\"r\",\"status\":"
          "\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Please try again in 20s.\"}}}\n\n");
  REQUIRE(failed.size() == 2);
  CHECK(failed[1].type == StreamEvent::Type::error);
  CHECK(failed[1].error.status == 429);
  CHECK(failed[1].error.code == "rate_limit_exceeded");
  CHECK(failed[1].error.message == "Please try again in 20s.");

  auto error =
      run("event: error\ndata: {\"type\":\"error\",\"code\":\"context_length_exceeded\",\"message\":\"Input too "
          "long.\",\"param\":\"input\",\"sequence_number\":1}\n\n");
  REQUIRE(error.size() == 2);
  CHECK(error[1].error.status == 400);
  CHECK(error[1].error.message == "Input too long.");
}

TEST_CASE("a server that sends items only whole (no deltas) or only the final response still decodes") {
  std::string sse =
      "data: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"id\":\"m\",\"type\":\"message\","
      "\"content\":[{\"type\":\"output_text\",\"text\":\"whole\"}]}}\n\n"
      "data: "
      "{\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"id\":\"f\",\"type\":\"function_call\","
      "\"call_id\":\"c1\",\"name\":\"shell\",\"arguments\":\"{\\\"a\\\":1}\"}}\n\n"
      "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"output\":[]}}\n\n";
  auto decoder = openai_responses::make_stream_decoder();
  auto events = events_json(decode_stream(*decoder, sse, sse.size()));
  check_golden(events, std::string(k_dir) + "stream_whole_items.events.json");

  std::string final_only = "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"output\":[{\"type\":"
                           "\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"late\"}]}]}}\n\n";
  auto other = openai_responses::make_stream_decoder();
  auto late = decode_stream(*other, final_only, final_only.size());
  REQUIRE(late.size() == 5);
  CHECK(late[2].delta == "late");
}
