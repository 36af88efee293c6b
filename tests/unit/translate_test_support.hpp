#pragma once
// Shared helpers of the translation tests: fixtures, golden JSON, streams fed at split points.
#include "core/http/sse_parser.hpp"
#include "core/translate/codec.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace llmgw::test {

// A file under tests/fixtures/translate/, whole.
inline std::string read_translate_fixture(const std::string& path) {
  std::ifstream in(std::string(LLMGW_TEST_FIXTURES) + "/translate/" + path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture translate/" << path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline nlohmann::json read_translate_json(const std::string& path) {
  return nlohmann::json::parse(read_translate_fixture(path));
}

// Compares actual with the golden JSON file tests/fixtures/translate/<path>. With
// LLMGW_UPDATE_GOLDEN=1 the file is (re)written instead: review the diff before committing.
inline void check_golden(const nlohmann::json& actual, const std::string& path) {
  const std::string full = std::string(LLMGW_TEST_FIXTURES) + "/translate/" + path;
  if (const char* update = std::getenv("LLMGW_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << actual.dump(2) << '\n';
    return;
  }
  const auto expected = read_translate_json(path);
  INFO("golden " << path << "\nexpected: " << expected.dump() << "\nactual:   " << actual.dump());
  CHECK(actual == expected);
}

// Feeds SSE bytes to a decoder in two reads split at `split` (bytes.size() or more: one read),
// then ends the stream. Returns every neutral event in order.
inline std::vector<core::translate::StreamEvent> decode_stream(core::translate::StreamDecoder& decoder,
                                                               std::string_view bytes, size_t split) {
  std::vector<core::translate::StreamEvent> events;
  core::http::SseParser parser;
  auto on_block = [&](const core::http::SseEvent& event) { decoder.on_event(event, events); };
  split = std::min(split, bytes.size());
  parser.feed(bytes.substr(0, split), on_block);
  parser.feed(bytes.substr(split), on_block);
  parser.finish(on_block);
  decoder.on_end(events);
  return events;
}

inline nlohmann::json events_json(const std::vector<core::translate::StreamEvent>& events) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& event : events) out.push_back(core::translate::to_json(event));
  return out;
}

// The JSON data of every SSE block of an encoded stream, with its event name when it has one:
// [{"event": "message_start", "data": {...}}, {"data": "[DONE]"}, ...] (comments skipped).
inline nlohmann::json sse_json(std::string_view bytes) {
  nlohmann::json out = nlohmann::json::array();
  core::http::SseParser parser;
  auto on_block = [&](const core::http::SseEvent& event) {
    if (!event.has_data) return;
    nlohmann::json item;
    if (!event.event.empty()) item["event"] = std::string(event.event);
    auto data = nlohmann::json::parse(event.data, nullptr, false);
    item["data"] = data.is_discarded() ? nlohmann::json(std::string(event.data)) : data;
    out.push_back(item);
  };
  parser.feed(bytes, on_block);
  parser.finish(on_block);
  return out;
}

} // namespace llmgw::test
