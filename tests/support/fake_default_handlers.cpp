// The handlers a bare FakeUpstream starts with, so it answers like a real provider.
#include "tests/support/fake_upstream.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace llmgw::test {
namespace {

constexpr const char* k_default_text = "Hello from fake upstream.";
constexpr int k_default_prompt_tokens = 12;
constexpr int k_default_completion_tokens = 5;

// The request body as JSON; a discarded value (not an object) when it is not JSON.
nlohmann::json parse_body(const RecordedRequest& request) {
  return nlohmann::json::parse(request.body, nullptr, false);
}

std::string model_of(const nlohmann::json& body) {
  const auto it = body.find("model");
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string("fake-model");
}

bool flag(const nlohmann::json& body, const nlohmann::json::json_pointer& pointer) {
  return body.is_object() && body.contains(pointer) && body.at(pointer).is_boolean() && body.at(pointer).get<bool>();
}

const std::vector<std::string>& default_pieces() {
  static const std::vector<std::string> pieces{"Hello", " from", " fake", " upstream."};
  return pieces;
}

FakeResponse chat_completions(const RecordedRequest& request) {
  const auto body = parse_body(request);
  if (!body.is_object())
    return openai_error(400, "invalid_request_error", "We could not parse the JSON body of your request.", "");
  if (!flag(body, nlohmann::json::json_pointer("/stream")))
    return openai_chat_reply(model_of(body), k_default_text, k_default_prompt_tokens, 0, k_default_completion_tokens);
  const bool include_usage = flag(body, nlohmann::json::json_pointer("/stream_options/include_usage"));
  return openai_chat_stream(model_of(body), default_pieces(), include_usage, k_default_prompt_tokens, 0,
                            k_default_completion_tokens);
}

FakeResponse responses(const RecordedRequest& request) {
  const auto body = parse_body(request);
  if (!body.is_object())
    return openai_error(400, "invalid_request_error", "We could not parse the JSON body of your request.", "");
  if (!flag(body, nlohmann::json::json_pointer("/stream")))
    return openai_responses_reply(model_of(body), k_default_text, k_default_prompt_tokens, 0,
                                  k_default_completion_tokens);
  return openai_responses_stream(model_of(body), default_pieces(), k_default_prompt_tokens, 0,
                                 k_default_completion_tokens);
}

FakeResponse messages(const RecordedRequest& request) {
  const auto body = parse_body(request);
  if (!body.is_object()) return anthropic_error(400, "invalid_request_error", "messages: body is not valid JSON");
  if (!flag(body, nlohmann::json::json_pointer("/stream")))
    return anthropic_reply(model_of(body), k_default_text, k_default_prompt_tokens, 0, 0, k_default_completion_tokens);
  return anthropic_stream(model_of(body), default_pieces(), k_default_prompt_tokens, 0, 0, k_default_completion_tokens);
}

// A rough but deterministic count: one token per 4 bytes of body, at least 1.
FakeResponse count_tokens(const RecordedRequest& request) {
  FakeResponse reply;
  const auto tokens = std::max<size_t>(1, request.body.size() / 4);
  reply.body = nlohmann::json{{"input_tokens", tokens}}.dump();
  return reply;
}

FakeResponse models(const RecordedRequest&) {
  nlohmann::json data = nlohmann::json::array();
  for (const char* id : {"gpt-4.1", "gpt-4.1-mini", "gpt-5.5"})
    data.push_back({{"id", id}, {"object", "model"}, {"created", 1744316542}, {"owned_by", "openai"}});
  FakeResponse reply;
  reply.body = nlohmann::json{{"object", "list"}, {"data", data}}.dump();
  return reply;
}

} // namespace

void FakeUpstream::install_default_handlers() {
  on("POST", "/v1/chat/completions", chat_completions);
  on("POST", "/v1/responses", responses);
  on("POST", "/v1/messages", messages);
  on("POST", "/v1/messages/count_tokens", count_tokens);
  on("GET", "/v1/models", models);
}

} // namespace llmgw::test
