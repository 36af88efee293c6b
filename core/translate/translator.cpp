#include "core/translate/translator.hpp"

#include "core/translate/reasoning_state.hpp"

#include <algorithm>

namespace llmgw::core::translate {

using protocol::ApiFormat;
using nlohmann::json;

namespace {

json parse_object(std::string_view body, const char* what) {
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) throw TranslateError(std::string(what) + " is not a JSON object");
  return parsed;
}

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
    auto content = message.find("content");
    if (content == message.end() || !content->is_array()) continue;
    const auto before = content->size();
    content->erase(std::remove_if(content->begin(), content->end(),
                                  [](const json& block) {
                                    if (!block.is_object()) return false;
                                    const std::string type = block.value("type", "");
                                    return (type == "thinking" && wrapped(block.value("signature", json()))) ||
                                           (type == "redacted_thinking" && wrapped(block.value("data", json())));
                                  }),
                   content->end());
    const bool lost = content->size() != before;
    changed = changed || lost;
    if (message.value("role", "") == "assistant") last_assistant_lost_thinking = lost;
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
                                return item.is_object() && item.value("type", "") == "reasoning" &&
                                       wrapped(item.value("encrypted_content", json()));
                              }),
               input->end());
  return input->size() != before;
}

} // namespace

DecodedRequest decode_client_request(ApiFormat client, std::string_view body, std::string_view model) {
  DecodedRequest decoded;
  decoded.request = decode_request(client, parse_object(body, "request body"));
  if (!model.empty()) decoded.request.model = std::string(model);
  decoded.response.model = decoded.request.model;
  decoded.response.include_usage = decoded.request.include_usage;
  for (const auto& tool : decoded.request.tools)
    if (tool.custom) decoded.response.custom_tools.insert(tool.name);
  return decoded;
}

std::string encode_upstream_request(ApiFormat upstream, const Request& request, const RequestOptions& options) {
  return encode_request(upstream, request, options).dump();
}

std::string translate_response(ApiFormat upstream, ApiFormat client, std::string_view body,
                               const ResponseOptions& options) {
  const auto response = decode_response(upstream, parse_object(body, "the provider's response"));
  return encode_response(client, response, options).dump();
}

std::string translate_error(ApiFormat upstream, ApiFormat client, int status, std::string_view body) {
  return encode_error(client, decode_error(upstream, status, body));
}

int64_t estimate_input_tokens(const Request& request) {
  int64_t bytes = 0;
  for (const auto& text : request.system) bytes += static_cast<int64_t>(text.size());
  for (const auto& message : request.messages)
    for (const auto& part : message.parts) bytes += text_bytes(part) + 12; // a few tokens of framing
  for (const auto& tool : request.tools)
    bytes += static_cast<int64_t>(tool.name.size() + tool.description.size() + tool.parameters.dump().size());
  return (bytes + 3) / 4;
}

std::optional<std::string> strip_foreign_reasoning(ApiFormat format, std::string_view body) {
  if (format != ApiFormat::anthropic && format != ApiFormat::openai_responses) return std::nullopt;
  if (!contains_wrapped_signature(body)) return std::nullopt;
  auto parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  const bool changed = format == ApiFormat::anthropic ? strip_anthropic(parsed) : strip_responses(parsed);
  if (!changed) return std::nullopt;
  return parsed.dump();
}

StreamTranslator::StreamTranslator(ApiFormat upstream, ApiFormat client, ResponseOptions options)
    : m_decoder(make_stream_decoder(upstream)), m_encoder(make_stream_encoder(client, options)) {}

void StreamTranslator::encode(std::vector<StreamEvent>& events, std::string& out) {
  m_ordered.clear();
  for (const auto& event : events) m_sequencer.push(event, m_ordered);
  events.clear();
  for (const auto& event : m_ordered) m_encoder->on(event, out);
}

void StreamTranslator::feed(const http::SseEvent& event, std::string& out) {
  if (m_sequencer.ended()) return;
  m_decoder->on_event(event, m_decoded);
  encode(m_decoded, out);
}

void StreamTranslator::finish(std::string& out) {
  if (m_sequencer.ended()) return;
  m_decoder->on_end(m_decoded);
  encode(m_decoded, out);
}

} // namespace llmgw::core::translate
