#include "core/translate/translator.hpp"

#include "core/protocol/json_scan.hpp"
#include "core/translate/json_access.hpp"
#include "core/translate/reasoning_state.hpp"

#include <algorithm>

namespace llmgw::core::translate {

using nlohmann::json;
using protocol::ApiFormat;

namespace {

// What a client's stream gets when the upstream's ended without its final event.
constexpr std::string_view k_cut_message = "upstream stream ended before the response was complete";

// Runs one step of a translation. The codecs read documents only through json_access.hpp, so a
// nlohmann::json exception means a type check was missed: the client still gets a clear error
// instead of a bare 500. Fuzz builds let it through, for the fuzzers to report the missed check.
template <class Step> auto guarded(std::string_view what, Step&& step) -> decltype(step()) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  (void)what;
  return step();
#else
  try {
    return step();
  } catch (const json::exception& error) {
    throw TranslateError(std::string(what) + " could not be translated: " + error.what());
  }
#endif
}

json parse_object(std::string_view body, const char* what) {
  auto parsed = protocol::parse_json(body);
  if (parsed.is_object()) return parsed;
  if (protocol::nests_too_deep(body)) throw TranslateError(protocol::too_deep_message(what));
  throw TranslateError(std::string(what) + " is not a JSON object");
}

// Compact JSON text; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

int64_t text_bytes(const Part& part) {
  int64_t bytes = static_cast<int64_t>(part.text.size() + part.arguments.size() + part.name.size());
  if (part.kind == Part::Kind::image) bytes += 6000; // ~1.5k tokens, a typical screenshot tile
  for (const auto& inner : part.content) bytes += text_bytes(inner);
  return bytes;
}

bool wrapped(const json& value) {
  return value.is_string() && value.get_ref<const std::string&>().rfind("llmgw1.", 0) == 0;
}

// Anthropic: thinking blocks whose signature llmgw wrapped came from another family. Without them
// the last assistant turn may no longer start with thinking, which Anthropic requires while
// thinking is on: then thinking is turned off for this request.
bool strip_anthropic(json& body) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return false;
  bool changed = false;
  bool last_assistant_lost_thinking = false;
  for (auto& message : *messages) {
    if (!message.is_object()) continue;
    auto content = message.find("content");
    if (content == message.end() || !content->is_array()) continue;
    const auto before = content->size();
    content->erase(std::remove_if(content->begin(), content->end(),
                                  [](const json& block) {
                                    const std::string type = string_member(block, "type");
                                    return (type == "thinking" && wrapped(member(block, "signature"))) ||
                                           (type == "redacted_thinking" && wrapped(member(block, "data")));
                                  }),
                   content->end());
    const bool lost = content->size() != before;
    changed = changed || lost;
    if (string_member(message, "role") == "assistant") last_assistant_lost_thinking = lost;
    if (content->empty()) content->push_back({{"type", "text"}, {"text", "."}});
  }
  if (last_assistant_lost_thinking) body.erase("thinking");
  return changed;
}

// Responses: reasoning items whose encrypted_content llmgw wrapped.
bool strip_responses(json& body) {
  auto input = body.find("input");
  if (input == body.end() || !input->is_array()) return false;
  const auto before = input->size();
  input->erase(std::remove_if(input->begin(), input->end(),
                              [](const json& item) {
                                return string_member(item, "type") == "reasoning" &&
                                       wrapped(member(item, "encrypted_content"));
                              }),
               input->end());
  return input->size() != before;
}

} // namespace

DecodedRequest decode_client_request(ApiFormat client, std::string_view body, std::string_view model,
                                     const Codecs& codecs) {
  DecodedRequest decoded;
  decoded.request =
      guarded("request body", [&] { return codecs[client].decode_request(parse_object(body, "request body")); });
  if (!model.empty()) decoded.request.model = std::string(model);
  decoded.response.model = decoded.request.model;
  decoded.response.include_usage = decoded.request.include_usage;
  for (const auto& tool : decoded.request.tools)
    if (tool.custom) decoded.response.custom_tools.insert(tool.name);
  return decoded;
}

std::string encode_upstream_request(ApiFormat upstream, const Request& request, const RequestOptions& options,
                                    const Codecs& codecs) {
  return guarded("request", [&] { return dump(codecs[upstream].encode_request(request, options)); });
}

std::string translate_response(ApiFormat upstream, ApiFormat client, std::string_view body,
                               const ResponseOptions& options, const Codecs& codecs) {
  return guarded("the provider's response", [&] {
    const auto response = codecs[upstream].decode_response(parse_object(body, "the provider's response"));
    return dump(codecs[client].encode_response(response, options));
  });
}

std::string translate_error(ApiFormat upstream, ApiFormat client, int status, std::string_view body,
                            const Codecs& codecs) {
  return guarded("the provider's error",
                 [&] { return codecs[client].encode_error(codecs[upstream].decode_error(status, body)); });
}

int64_t estimate_input_tokens(const Request& request) {
  int64_t bytes = 0;
  for (const auto& text : request.system) bytes += static_cast<int64_t>(text.size());
  for (const auto& message : request.messages)
    for (const auto& part : message.parts) bytes += text_bytes(part) + 12; // a few tokens of framing
  for (const auto& tool : request.tools)
    bytes += static_cast<int64_t>(tool.name.size() + tool.description.size() + dump(tool.parameters).size());
  return (bytes + 3) / 4;
}

std::optional<std::string> strip_foreign_reasoning(ApiFormat format, std::string_view body) {
  if (format != ApiFormat::anthropic && format != ApiFormat::openai_responses) return std::nullopt;
  if (!contains_wrapped_signature(body)) return std::nullopt;
  auto parsed = protocol::parse_json(body);
  if (!parsed.is_object()) return std::nullopt;
  return guarded("request body", [&]() -> std::optional<std::string> {
    const bool changed = format == ApiFormat::anthropic ? strip_anthropic(parsed) : strip_responses(parsed);
    if (!changed) return std::nullopt;
    return dump(parsed);
  });
}

StreamTranslator::StreamTranslator(ApiFormat upstream, ApiFormat client, ResponseOptions options, const Codecs& codecs)
    : m_decoder(codecs[upstream].make_stream_decoder()), m_encoder(codecs[client].make_stream_encoder(options)) {}

void StreamTranslator::encode(std::vector<StreamEvent>& events, std::string& out) {
  m_ordered.clear();
  for (const auto& event : events) m_sequencer.push(event, m_ordered);
  events.clear();
  for (const auto& event : m_ordered) m_encoder->on(event, out);
}

void StreamTranslator::fail(int status, std::string_view message, std::string& out) {
  StreamEvent error;
  error.type = StreamEvent::Type::error;
  error.error.status = status;
  error.error.message = std::string(message);
  m_decoded.clear();
  m_decoded.push_back(std::move(error));
  encode(m_decoded, out);
}

void StreamTranslator::feed(const http::SseEvent& event, std::string& out) {
  if (m_sequencer.ended()) return;
  try {
    guarded("the provider's stream", [&] {
      m_decoder->on_event(event, m_decoded);
      encode(m_decoded, out);
    });
  } catch (const TranslateError& error) {
    fail(502, error.what(), out);
  }
}

void StreamTranslator::finish(std::string& out) {
  if (m_sequencer.ended()) return;
  try {
    guarded("the provider's stream", [&] {
      m_decoder->on_end(m_decoded);
      encode(m_decoded, out);
    });
  } catch (const TranslateError& error) {
    fail(502, error.what(), out);
  }
  // The decoder saw no final event (or the observer that judged the stream finished read one the
  // decoder could not use): the client's stream must still end, and an error is the honest end.
  if (!m_sequencer.ended()) fail(502, k_cut_message, out);
}

} // namespace llmgw::core::translate
