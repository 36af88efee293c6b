// An upstream stream through the relay's pieces: SSE blocks parsed from the input go to the
// ResponseObserver (accounting) and to a StreamTranslator for every client format, which is then
// finished as the relay finishes it. Each translated stream must be well-formed SSE whose blocks
// carry JSON, ending with its format's final event or an error event, once, and nothing after.
#include "core/http/sse_parser.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/translator.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace llmgw::fuzz {

using core::http::SseEvent;
using core::http::SseParser;
using core::protocol::ApiFormat;
using nlohmann::json;
namespace translate = core::translate;

namespace {

constexpr ApiFormat k_formats[] = {ApiFormat::anthropic, ApiFormat::openai_chat, ApiFormat::openai_responses,
                                   ApiFormat::gemini};

// Whether one block of a translated stream is its format's final event or an error event.
bool is_terminal(ApiFormat client, const SseEvent& event, const json& data) {
  switch (client) {
  case ApiFormat::anthropic: return event.event == "message_stop" || event.event == "error";
  case ApiFormat::openai_chat: return event.data == "[DONE]" || data.contains("error");
  case ApiFormat::openai_responses:
    return event.event == "response.completed" || event.event == "response.incomplete" ||
           event.event == "response.failed";
  case ApiFormat::gemini: {
    if (data.contains("error")) return true;
    const json& candidates = data.contains("candidates") ? data["candidates"] : json();
    return candidates.is_array() && !candidates.empty() && candidates[0].is_object() &&
           candidates[0].contains("finishReason");
  }
  }
  return false;
}

void check_translated(ApiFormat client, const std::string& stream) {
  SseParser parser;
  size_t terminals = 0;
  bool after_terminal = false;
  auto check = [&](const SseEvent& event) {
    require(event.raw.size() >= 2 && event.raw.substr(event.raw.size() - 2) == "\n\n", "a block is not terminated");
    if (!event.has_data) return; // a comment
    after_terminal = after_terminal || terminals > 0;
    const bool done = client == ApiFormat::openai_chat && event.data == "[DONE]";
    const json data = done ? json::object() : json::parse(event.data, nullptr, false);
    require(data.is_object(), "a translated block's data is not a JSON object");
    if (is_terminal(client, event, data)) ++terminals;
  };
  parser.feed(stream, check);
  parser.finish(check);
  require(terminals == 1, "a translated stream does not end with one final or error event");
  require(!after_terminal, "a translated stream goes on after its final event");
}

} // namespace

void fuzz_stream(ApiFormat upstream, std::string_view input) {
  translate::ResponseOptions options;
  options.model = "client-model";
  options.include_usage = input.size() % 2 == 0;
  options.custom_tools = {"apply_patch"};
  core::protocol::ResponseObserver observer(upstream);
  std::vector<std::unique_ptr<translate::StreamTranslator>> translators;
  std::vector<std::string> outputs(std::size(k_formats));
  for (ApiFormat client : k_formats)
    translators.push_back(std::make_unique<translate::StreamTranslator>(upstream, client, options));
  auto on_block = [&](const SseEvent& event) {
    (void)observer.observe_event(event);
    for (size_t i = 0; i < translators.size(); ++i) translators[i]->feed(event, outputs[i]);
  };
  SseParser parser;
  parser.feed(input, on_block);
  parser.finish(on_block);
  for (size_t i = 0; i < translators.size(); ++i) {
    translators[i]->finish(outputs[i]);
    require(translators[i]->ended(), "a finished StreamTranslator has not ended the client's stream");
    check_translated(k_formats[i], outputs[i]);
  }
}

} // namespace llmgw::fuzz
