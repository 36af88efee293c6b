// OpenAI wire formats for the fake provider: Chat Completions, Responses and the error body
// (PROTOCOLS.md §1.3-1.7, §2.2-2.5).
#include "tests/support/fake_upstream.hpp"
#include "tests/support/fake_wire.hpp"

namespace llmgw::test {
namespace {

using wire::json;

FakeResponse json_reply(const json& body, const std::string& request_id) {
  FakeResponse reply;
  reply.body = body.dump();
  reply.headers.emplace("x-request-id", request_id);
  return reply;
}

FakeResponse sse_reply(std::vector<std::string> chunks) {
  FakeResponse reply;
  reply.content_type = wire::k_sse_content_type;
  reply.chunks = std::move(chunks);
  reply.headers.emplace("x-request-id", wire::next_id("req_"));
  return reply;
}

json chat_usage(int prompt_tokens, int cached_tokens, int completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", cached_tokens}, {"audio_tokens", 0}}},
          {"completion_tokens_details",
           {{"reasoning_tokens", 0},
            {"audio_tokens", 0},
            {"accepted_prediction_tokens", 0},
            {"rejected_prediction_tokens", 0}}}};
}

// The fields every chat.completion.chunk repeats.
json chat_chunk(const std::string& id, const std::string& model, long long created, const json& choices) {
  return {{"id", id},          {"object", "chat.completion.chunk"}, {"created", created},
          {"model", model},    {"service_tier", "default"},         {"system_fingerprint", "fp_fake"},
          {"choices", choices}};
}

json chat_choice(const json& delta, const json& finish_reason) {
  return json::array({{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}});
}

json responses_usage(int input_tokens, int cached_tokens, int output_tokens) {
  return {{"input_tokens", input_tokens},
          {"input_tokens_details", {{"cached_tokens", cached_tokens}}},
          {"output_tokens", output_tokens},
          {"output_tokens_details", {{"reasoning_tokens", 0}}},
          {"total_tokens", input_tokens + output_tokens}};
}

json response_object(const std::string& id, const std::string& model, const std::string& status, const json& output,
                     const json& usage) {
  return {{"id", id},
          {"object", "response"},
          {"created_at", wire::now_seconds()},
          {"status", status},
          {"error", nullptr},
          {"incomplete_details", nullptr},
          {"instructions", nullptr},
          {"model", model},
          {"output", output},
          {"parallel_tool_calls", true},
          {"tool_choice", "auto"},
          {"tools", json::array()},
          {"usage", usage}};
}

json message_item(const std::string& id, const std::string& status, const std::string& text, bool with_text) {
  json content = json::array();
  if (with_text) content.push_back({{"type", "output_text"}, {"text", text}, {"annotations", json::array()}});
  return {{"id", id}, {"type", "message"}, {"role", "assistant"}, {"status", status}, {"content", content}};
}

json function_call_item(const std::string& id, const std::string& call_id, const std::string& name,
                        const std::string& arguments, const std::string& status) {
  return {{"id", id},     {"type", "function_call"}, {"call_id", call_id},
          {"name", name}, {"arguments", arguments},  {"status", status}};
}

// Collects Responses events, numbering them with sequence_number as the API does.
class ResponsesEvents {
public:
  void add(const std::string& type, json fields) {
    json event = {{"type", type}, {"sequence_number", m_sequence++}};
    event.update(fields);
    m_chunks.push_back(wire::sse_event(type, event));
  }
  std::vector<std::string> take() { return std::move(m_chunks); }

private:
  int m_sequence = 0;
  std::vector<std::string> m_chunks;
};

// response.created + response.in_progress, the item events from add_item, response.completed.
FakeResponse responses_stream(const std::string& model, const json& final_item, const json& usage,
                              const std::function<void(ResponsesEvents&)>& add_item) {
  const std::string id = wire::next_id("resp_");
  ResponsesEvents events;
  events.add("response.created", {{"response", response_object(id, model, "in_progress", json::array(), nullptr)}});
  events.add("response.in_progress", {{"response", response_object(id, model, "in_progress", json::array(), nullptr)}});
  add_item(events);
  events.add("response.output_item.done", {{"output_index", 0}, {"item", final_item}});
  events.add("response.completed",
             {{"response", response_object(id, model, "completed", json::array({final_item}), usage)}});
  return sse_reply(events.take());
}

} // namespace

FakeResponse openai_chat_reply(const std::string& model, const std::string& text, int prompt_tokens, int cached_tokens,
                               int completion_tokens) {
  const json message = {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}, {"annotations", json::array()}};
  const json body = {
      {"id", wire::next_id("chatcmpl-")},
      {"object", "chat.completion"},
      {"created", wire::now_seconds()},
      {"model", model},
      {"choices",
       json::array({{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", "stop"}}})},
      {"usage", chat_usage(prompt_tokens, cached_tokens, completion_tokens)},
      {"service_tier", "default"},
      {"system_fingerprint", "fp_fake"}};
  return json_reply(body, wire::next_id("req_"));
}

FakeResponse openai_chat_stream(const std::string& model, const std::vector<std::string>& text_pieces,
                                bool include_usage, int prompt_tokens, int cached_tokens, int completion_tokens) {
  const std::string id = wire::next_id("chatcmpl-");
  const long long created = wire::now_seconds();
  std::vector<std::string> chunks;
  // With include_usage every chunk but the last carries "usage": null (§1.5).
  auto add = [&](json chunk) {
    if (include_usage) chunk["usage"] = nullptr;
    chunks.push_back(wire::sse_data(chunk.dump()));
  };
  add(chat_chunk(id, model, created,
                 chat_choice({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr)));
  for (const auto& piece : text_pieces) add(chat_chunk(id, model, created, chat_choice({{"content", piece}}, nullptr)));
  add(chat_chunk(id, model, created, chat_choice(json::object(), "stop")));
  if (include_usage) {
    json usage_chunk = chat_chunk(id, model, created, json::array());
    usage_chunk["usage"] = chat_usage(prompt_tokens, cached_tokens, completion_tokens);
    chunks.push_back(wire::sse_data(usage_chunk.dump()));
  }
  chunks.push_back(wire::sse_data("[DONE]"));
  return sse_reply(std::move(chunks));
}

FakeResponse openai_responses_reply(const std::string& model, const std::string& text, int input_tokens,
                                    int cached_tokens, int output_tokens) {
  const json item = message_item(wire::next_id("msg_"), "completed", text, true);
  return json_reply(response_object(wire::next_id("resp_"), model, "completed", json::array({item}),
                                    responses_usage(input_tokens, cached_tokens, output_tokens)),
                    wire::next_id("req_"));
}

FakeResponse openai_responses_stream(const std::string& model, const std::vector<std::string>& text_pieces,
                                     int input_tokens, int cached_tokens, int output_tokens) {
  const std::string item_id = wire::next_id("msg_");
  std::string text;
  for (const auto& piece : text_pieces) text += piece;
  const json part = {{"type", "output_text"}, {"text", text}, {"annotations", json::array()}};
  const json where = {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0}};
  auto add_item = [&](ResponsesEvents& events) {
    events.add("response.output_item.added",
               {{"output_index", 0}, {"item", message_item(item_id, "in_progress", "", false)}});
    json empty_part = part;
    empty_part["text"] = "";
    json fields = where;
    fields["part"] = empty_part;
    events.add("response.content_part.added", fields);
    for (const auto& piece : text_pieces) {
      json delta = where;
      delta.update(json{{"delta", piece}, {"logprobs", json::array()}});
      events.add("response.output_text.delta", delta);
    }
    json done = where;
    done.update(json{{"text", text}, {"logprobs", json::array()}});
    events.add("response.output_text.done", done);
    fields["part"] = part;
    events.add("response.content_part.done", fields);
  };
  return responses_stream(model, message_item(item_id, "completed", text, true),
                          responses_usage(input_tokens, cached_tokens, output_tokens), add_item);
}

FakeResponse openai_responses_function_call_reply(const std::string& model, const std::string& name,
                                                  const std::string& arguments_json, int input_tokens,
                                                  int cached_tokens, int output_tokens) {
  const json item = function_call_item(wire::next_id("fc_"), wire::next_id("call_"), name, arguments_json, "completed");
  return json_reply(response_object(wire::next_id("resp_"), model, "completed", json::array({item}),
                                    responses_usage(input_tokens, cached_tokens, output_tokens)),
                    wire::next_id("req_"));
}

FakeResponse openai_responses_function_call_stream(const std::string& model, const std::string& name,
                                                   const std::string& arguments_json, int input_tokens,
                                                   int cached_tokens, int output_tokens) {
  const std::string item_id = wire::next_id("fc_");
  const std::string call_id = wire::next_id("call_");
  auto add_item = [&](ResponsesEvents& events) {
    events.add("response.output_item.added",
               {{"output_index", 0}, {"item", function_call_item(item_id, call_id, name, "", "in_progress")}});
    events.add("response.function_call_arguments.delta",
               {{"item_id", item_id}, {"output_index", 0}, {"delta", arguments_json}});
    events.add("response.function_call_arguments.done",
               {{"item_id", item_id}, {"output_index", 0}, {"name", name}, {"arguments", arguments_json}});
  };
  return responses_stream(model, function_call_item(item_id, call_id, name, arguments_json, "completed"),
                          responses_usage(input_tokens, cached_tokens, output_tokens), add_item);
}

FakeResponse openai_error(int status, const std::string& type, const std::string& message, const std::string& code) {
  const json error = {
      {"message", message}, {"type", type}, {"param", nullptr}, {"code", code.empty() ? json(nullptr) : json(code)}};
  FakeResponse reply = json_reply({{"error", error}}, wire::next_id("req_"));
  reply.status = status;
  return reply;
}

} // namespace llmgw::test
