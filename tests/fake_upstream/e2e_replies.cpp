// Chat Completions tool calls and Gemini replies for the e2e fake (PROTOCOLS.md §1.3-1.5, §6.3).
#include "tests/fake_upstream/e2e_replies.hpp"
#include "tests/support/fake_wire.hpp"

namespace llmgw::test {
namespace {

using wire::json;

// --- Chat Completions (the same fields as tests/support/fake_replies_openai.cpp sends) ---

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

json chat_chunk(const std::string& id, const std::string& model, long long created, const json& choices) {
  return {{"id", id},          {"object", "chat.completion.chunk"}, {"created", created},
          {"model", model},    {"service_tier", "default"},         {"system_fingerprint", "fp_fake"},
          {"choices", choices}};
}

json chat_choice(const json& delta, const json& finish_reason) {
  return json::array({{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}});
}

// A tool_calls delta entry; only the first fragment of a call has id, type and name.
json tool_call_fragment(const std::string& id, const std::string& name, const std::string& arguments) {
  json call = {{"index", 0}};
  if (!id.empty()) {
    call["id"] = id;
    call["type"] = "function";
    call["function"] = {{"name", name}, {"arguments", arguments}};
  } else {
    call["function"] = {{"arguments", arguments}};
  }
  return json::array({call});
}

// --- Gemini ---

json gemini_usage(const GeminiUsage& usage) {
  json out = {{"promptTokenCount", usage.prompt_tokens},
              {"candidatesTokenCount", usage.candidates_tokens},
              {"totalTokenCount", usage.prompt_tokens + usage.candidates_tokens + usage.thoughts_tokens},
              {"promptTokensDetails", json::array({{{"modality", "TEXT"}, {"tokenCount", usage.prompt_tokens}}})}};
  if (usage.cached_tokens > 0) {
    out["cachedContentTokenCount"] = usage.cached_tokens;
    out["cacheTokensDetails"] = json::array({{{"modality", "TEXT"}, {"tokenCount", usage.cached_tokens}}});
  }
  if (usage.thoughts_tokens > 0) out["thoughtsTokenCount"] = usage.thoughts_tokens;
  return out;
}

// One GenerateContentResponse; finish_reason empty = none yet (a mid-stream chunk).
json gemini_response(const std::string& model, const std::string& response_id, const json& parts,
                     const std::string& finish_reason, const GeminiUsage& usage) {
  json candidate = {{"content", {{"parts", parts}, {"role", "model"}}}};
  if (!finish_reason.empty()) candidate["finishReason"] = finish_reason;
  candidate["index"] = 0;
  return {{"candidates", json::array({candidate})},
          {"usageMetadata", gemini_usage(usage)},
          {"modelVersion", model},
          {"responseId", response_id}};
}

json function_call_part(const std::string& name, const std::string& args_json, const std::string& signature) {
  json args = json::parse(args_json, nullptr, false);
  if (args.is_discarded()) args = json::object();
  return {{"functionCall", {{"name", name}, {"args", args}}}, {"thoughtSignature", signature}};
}

FakeResponse gemini_json(int status, const json& body) {
  FakeResponse reply;
  reply.status = status;
  reply.body = body.dump();
  reply.content_type = "application/json; charset=UTF-8";
  reply.headers.emplace("x-gemini-service-tier", "standard");
  return reply;
}

// Google's servers frame SSE records with CRLF (§6.3).
std::string gemini_record(const json& response) { return "data: " + response.dump() + "\r\n\r\n"; }

FakeResponse gemini_sse(std::vector<std::string> chunks) {
  FakeResponse reply;
  reply.content_type = "text/event-stream";
  reply.chunks = std::move(chunks);
  return reply;
}

} // namespace

FakeResponse openai_chat_tool_call_reply(const std::string& model, const std::string& name,
                                         const std::string& arguments_json, int prompt_tokens, int cached_tokens,
                                         int completion_tokens) {
  const json call = {{"id", wire::next_id("call_")},
                     {"type", "function"},
                     {"function", {{"name", name}, {"arguments", arguments_json}}}};
  const json message = {{"role", "assistant"},
                        {"content", nullptr},
                        {"tool_calls", json::array({call})},
                        {"refusal", nullptr},
                        {"annotations", json::array()}};
  const json body = {
      {"id", wire::next_id("chatcmpl-")},
      {"object", "chat.completion"},
      {"created", wire::now_seconds()},
      {"model", model},
      {"choices",
       json::array({{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", "tool_calls"}}})},
      {"usage", chat_usage(prompt_tokens, cached_tokens, completion_tokens)},
      {"service_tier", "default"},
      {"system_fingerprint", "fp_fake"}};
  FakeResponse reply;
  reply.body = body.dump();
  reply.headers.emplace("x-request-id", wire::next_id("req_"));
  return reply;
}

FakeResponse openai_chat_tool_call_stream(const std::string& model, const std::string& name,
                                          const std::string& arguments_json, bool include_usage, int prompt_tokens,
                                          int cached_tokens, int completion_tokens) {
  const std::string id = wire::next_id("chatcmpl-");
  const long long created = wire::now_seconds();
  std::vector<std::string> chunks;
  auto add = [&](json chunk) {
    if (include_usage) chunk["usage"] = nullptr;
    chunks.push_back(wire::sse_data(chunk.dump()));
  };
  const json first = {{"role", "assistant"},
                      {"content", nullptr},
                      {"tool_calls", tool_call_fragment(wire::next_id("call_"), name, "")},
                      {"refusal", nullptr}};
  add(chat_chunk(id, model, created, chat_choice(first, nullptr)));
  // ASCII arguments (the e2e command), so any split point is safe.
  const size_t half = arguments_json.size() / 2;
  for (const auto& piece : {arguments_json.substr(0, half), arguments_json.substr(half)})
    add(chat_chunk(id, model, created, chat_choice({{"tool_calls", tool_call_fragment("", "", piece)}}, nullptr)));
  add(chat_chunk(id, model, created, chat_choice(json::object(), "tool_calls")));
  if (include_usage) {
    json usage_chunk = chat_chunk(id, model, created, json::array());
    usage_chunk["usage"] = chat_usage(prompt_tokens, cached_tokens, completion_tokens);
    chunks.push_back(wire::sse_data(usage_chunk.dump()));
  }
  chunks.push_back(wire::sse_data("[DONE]"));
  FakeResponse reply;
  reply.content_type = wire::k_sse_content_type;
  reply.chunks = std::move(chunks);
  reply.headers.emplace("x-request-id", wire::next_id("req_"));
  return reply;
}

FakeResponse gemini_text_reply(const std::string& model, const std::string& text, const GeminiUsage& usage) {
  const json parts = json::array({{{"text", text}}});
  return gemini_json(200, gemini_response(model, wire::next_id("gresp"), parts, "STOP", usage));
}

FakeResponse gemini_text_stream(const std::string& model, const std::vector<std::string>& pieces,
                                const GeminiUsage& usage) {
  const std::string response_id = wire::next_id("gresp");
  std::vector<std::string> chunks;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const bool last = i + 1 == pieces.size();
    GeminiUsage so_far = usage;
    if (!last) so_far.candidates_tokens = 1; // cumulative counts: the last record has the totals
    const json parts = json::array({{{"text", pieces[i]}}});
    chunks.push_back(gemini_record(gemini_response(model, response_id, parts, last ? "STOP" : "", so_far)));
  }
  return gemini_sse(std::move(chunks));
}

FakeResponse gemini_function_call_reply(const std::string& model, const std::string& name, const std::string& args_json,
                                        const std::string& thought_signature, const GeminiUsage& usage) {
  const json parts = json::array({function_call_part(name, args_json, thought_signature)});
  return gemini_json(200, gemini_response(model, wire::next_id("gresp"), parts, "STOP", usage));
}

FakeResponse gemini_function_call_stream(const std::string& model, const std::string& name,
                                         const std::string& args_json, const std::string& thought_signature,
                                         const GeminiUsage& usage) {
  const json parts = json::array({function_call_part(name, args_json, thought_signature)});
  return gemini_sse({gemini_record(gemini_response(model, wire::next_id("gresp"), parts, "STOP", usage))});
}

FakeResponse gemini_error(int code, const std::string& status, const std::string& message) {
  return gemini_json(code, {{"error", {{"code", code}, {"message", message}, {"status", status}}}});
}

} // namespace llmgw::test
