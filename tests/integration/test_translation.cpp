// Translation through the real gateway: a client of one format, a provider of another, the
// in-process fake behind it and the ledger row that records the upstream's usage.
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw;
using namespace llmgw::test;
using nlohmann::json;

namespace {

// The fake as an OpenAI-compatible server (Chat Completions only), a Gemini server and an Azure
// resource, beside the "openai" and "anthropic" providers of fake_config.
core::config::Config translating_config(const FakeUpstream& upstream) {
  auto config = fake_config(upstream);
  core::config::ProviderConfig chat;
  chat.name = "fakechat";
  chat.kind = core::config::ProviderKind::openai_compatible;
  chat.base_url = upstream.base_url() + "/v1";
  chat.api_key_env = "LLMGW_TEST_CHAT_KEY";
  chat.api_key = "test-chat-key-not-real";
  core::config::ProviderConfig gemini;
  gemini.name = "gemini";
  gemini.kind = core::config::ProviderKind::gemini;
  gemini.base_url = upstream.base_url();
  gemini.api_key_env = "LLMGW_TEST_GEMINI_KEY";
  gemini.api_key = "test-gemini-key-not-real";
  core::config::ProviderConfig azure;
  azure.name = "azure";
  azure.kind = core::config::ProviderKind::azure;
  azure.base_url = upstream.base_url() + "/openai";
  azure.api_key_env = "LLMGW_TEST_AZURE_KEY";
  azure.api_key = "test-azure-key-not-real";
  azure.api_version = "2024-10-21";
  azure.deployments["gpt-4.1"] = "my-gpt41";
  config.providers.push_back(chat);
  config.providers.push_back(gemini);
  config.providers.push_back(azure);
  return config;
}

json body_of(const RecordedRequest& request) { return json::parse(request.body); }

// Every data payload of an SSE body with its event name: [{"event": "...", "data": {...}}].
std::vector<std::pair<std::string, json>> sse_events(const std::string& body) {
  std::vector<std::pair<std::string, json>> events;
  std::string event;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(at, end - at);
    at = end + 1;
    if (line.rfind("event: ", 0) == 0)
      event = line.substr(7);
    else if (line.rfind("data: ", 0) == 0) {
      auto data = json::parse(line.substr(6), nullptr, false);
      events.emplace_back(event, data.is_discarded() ? json(line.substr(6)) : data);
      event.clear();
    }
  }
  return events;
}

std::string gemini_stream_chunk(const json& parts, const std::string& finish, const json& usage) {
  json candidate{{"content", {{"role", "model"}, {"parts", parts}}}, {"index", 0}};
  if (!finish.empty()) candidate["finishReason"] = finish;
  json chunk{{"candidates", json::array({candidate})}, {"modelVersion", "gemini-2.5-flash"}, {"responseId", "resp-g1"}};
  if (!usage.is_null()) chunk["usageMetadata"] = usage;
  return "data: " + chunk.dump() + "\r\n\r\n";
}

} // namespace

TEST_CASE("an Anthropic client reaches a Chat Completions provider and gets an Anthropic message") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest&) {
    return openai_chat_reply("deepseek-chat", "hello from chat", 1200, 1000, 40);
  });
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  const std::string body = R"({"model":"fakechat/deepseek-chat","max_tokens":512,
    "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1"},{"type":"text","text":"You are terse."}],
    "messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}],
    "context_management":{"edits":[]}})";
  auto headers = TestGateway::anthropic_auth();
  headers.emplace("anthropic-beta", "context-management-2025-06-27");
  auto response = client->Post("/v1/messages", headers, body, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  auto answer = json::parse(response->body);
  CHECK(answer["type"] == "message");
  CHECK(answer["model"] == "fakechat/deepseek-chat");
  CHECK(answer["content"][0]["text"] == "hello from chat");
  CHECK(answer["stop_reason"] == "end_turn");
  // Anthropic input_tokens exclude the cache; OpenAI's prompt_tokens include it.
  CHECK(answer["usage"]["input_tokens"] == 200);
  CHECK(answer["usage"]["cache_read_input_tokens"] == 1000);
  CHECK(answer["usage"]["output_tokens"] == 40);

  auto seen = upstream.last_request();
  CHECK(seen.path == "/v1/chat/completions");
  CHECK(seen.headers.find("Authorization")->second == "Bearer test-chat-key-not-real");
  CHECK(seen.headers.find("anthropic-beta") == seen.headers.end());
  CHECK(seen.headers.find("anthropic-version") == seen.headers.end());
  auto sent = body_of(seen);
  CHECK(sent["model"] == "deepseek-chat");
  CHECK(sent["messages"][0]["role"] == "system");
  CHECK(sent["messages"][0]["content"].dump().find("x-anthropic-billing-header") == std::string::npos);
  CHECK(sent["messages"].back()["role"] == "user");
  CHECK_FALSE(sent.contains("context_management"));
  CHECK_FALSE(sent.contains("system"));

  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  const auto& row = rows[0].record;
  CHECK(row.provider == "fakechat");
  CHECK(row.endpoint == "/v1/messages");
  CHECK(row.outcome == core::Outcome::ok);
  CHECK(row.usage.input_uncached_tokens == 200);
  CHECK(row.usage.cache_read_tokens == 1000);
  CHECK(row.usage.output_tokens == 40);
}

TEST_CASE("an Anthropic client's stream from a Chat provider has event lines, one block at a time and final usage") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest&) {
    return openai_chat_stream("m", {"Hel", "lo"}, true, 30, 10, 5);
  });
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  const std::string body =
      R"({"model":"fakechat/m","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), body);
  CHECK(result.status == 200);
  auto events = sse_events(result.body);
  REQUIRE(events.size() >= 6);
  CHECK(events.front().first == "message_start");
  CHECK(events.back().first == "message_stop");
  std::string text;
  for (const auto& [name, data] : events) {
    CHECK_FALSE(name.empty()); // the Anthropic SDK dispatches on the event name
    if (name == "content_block_delta") text += data["delta"].value("text", "");
    if (name == "message_delta") {
      CHECK(data["delta"]["stop_reason"] == "end_turn");
      CHECK(data["usage"]["input_tokens"] == 20);
      CHECK(data["usage"]["cache_read_input_tokens"] == 10);
      CHECK(data["usage"]["output_tokens"] == 5);
    }
  }
  CHECK(text == "Hello");
  auto sent = body_of(upstream.last_request());
  CHECK(sent["stream"] == true);
  CHECK(sent["stream_options"]["include_usage"] == true);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::ok);
  CHECK(rows[0].record.usage.input_uncached_tokens == 20);
  CHECK(rows[0].record.usage.output_tokens == 5);
}

TEST_CASE("an OpenAI client reaches Anthropic: tool calls come back as Chat tool_calls, usage chunk only when asked") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest& request) {
    const bool stream = body_of(request).value("stream", false);
    return stream ? anthropic_tool_use_stream("claude-sonnet-4-5", "get_weather", R"({"city":"Paris"})", 50, 100, 0, 20)
                  : anthropic_tool_use_reply("claude-sonnet-4-5", "get_weather", R"({"city":"Paris"})", 50, 100, 0, 20);
  });
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"tool_choice":"required")";
  const std::string plain =
      R"({"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"weather?"}],)" +
      tools + "}";
  auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(), plain, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  auto answer = json::parse(response->body);
  CHECK(answer["object"] == "chat.completion");
  CHECK(answer["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(answer["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather");
  CHECK(json::parse(answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
        json{{"city", "Paris"}});
  CHECK(answer["usage"]["prompt_tokens"] == 150);
  CHECK(answer["usage"]["prompt_tokens_details"]["cached_tokens"] == 100);
  auto sent = body_of(upstream.last_request());
  CHECK(upstream.last_request().path == "/v1/messages");
  CHECK(upstream.last_request().headers.find("x-api-key")->second == "test-anthropic-key-not-real");
  CHECK(sent["tool_choice"]["type"] == "any");
  CHECK(sent.contains("max_tokens"));
  CHECK(sent["system"].dump().find("be brief") != std::string::npos);

  for (bool include_usage : {false, true}) {
    CAPTURE(include_usage);
    std::string streamed = R"({"model":"claude-sonnet-4-5","stream":true,)";
    if (include_usage) streamed += R"("stream_options":{"include_usage":true},)";
    streamed += R"("messages":[{"role":"user","content":"weather?"}],)" + tools + "}";
    auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), streamed);
    CHECK(result.status == 200);
    auto events = sse_events(result.body);
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().second == "[DONE]");
    int usage_chunks = 0;
    std::string arguments;
    std::string finish;
    for (const auto& [name, data] : events) {
      if (!data.is_object()) continue;
      if (data.contains("usage") && data["usage"].is_object() && data["choices"].empty()) ++usage_chunks;
      for (const auto& choice : data.value("choices", json::array())) {
        if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) finish = choice["finish_reason"];
        for (const auto& call : choice["delta"].value("tool_calls", json::array())) {
          CHECK(call["index"] == 0);
          arguments += call["function"].value("arguments", "");
        }
      }
    }
    CHECK(usage_chunks == (include_usage ? 1 : 0));
    CHECK(finish == "tool_calls");
    CHECK(json::parse(arguments) == json{{"city", "Paris"}});
  }
  auto rows = gateway.wait_rows(3);
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) {
    CHECK(row.record.provider == "anthropic");
    CHECK(row.record.usage.input_uncached_tokens == 50);
    CHECK(row.record.usage.cache_read_tokens == 100);
    CHECK(row.record.cost_usd_pico > 0);
  }
}

TEST_CASE("a Responses client (Codex) on a Chat-only provider gets output_item.done and a completed response with "
          "total_tokens") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest&) {
    return openai_chat_stream("qwen3-coder", {"Do", "ne."}, true, 300, 100, 7);
  });
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  const std::string body =
      R"({"model":"fakechat/qwen3-coder","instructions":"You are Codex.","stream":true,"store":false,
    "input":[{"type":"message","role":"developer","content":[{"type":"input_text","text":"<permissions/>"}]},
             {"type":"message","role":"user","content":[{"type":"input_text","text":"fix it"}]}],
    "tools":[{"type":"function","name":"shell","parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}}}}],
    "reasoning":{"effort":"medium","summary":"auto"},"include":["reasoning.encrypted_content"],"prompt_cache_key":"s-1"})";
  auto result = post_streaming(*client, "/v1/responses", TestGateway::openai_auth(), body);
  CHECK(result.status == 200);
  auto events = sse_events(result.body);
  REQUIRE_FALSE(events.empty());
  int items_done = 0;
  json completed;
  for (const auto& [name, data] : events) {
    CHECK(name == data.value("type", ""));
    if (name == "response.output_item.done") ++items_done;
    if (name == "response.completed") completed = data;
  }
  CHECK(items_done == 1);
  REQUIRE(completed.is_object());
  CHECK(completed["response"]["usage"]["total_tokens"] == 307);
  CHECK(completed["response"]["usage"]["input_tokens"] == 300);
  CHECK(completed["response"]["output"][0]["content"][0]["text"] == "Done.");
  auto seen = upstream.last_request();
  CHECK(seen.path == "/v1/chat/completions");
  auto sent = body_of(seen);
  CHECK(sent["messages"][0]["role"] == "system");
  CHECK(sent["tools"][0]["function"]["name"] == "shell");
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.usage.input_uncached_tokens == 200);
  CHECK(rows[0].record.usage.cache_read_tokens == 100);
  CHECK(rows[0].record.session_id == "s-1");
}

TEST_CASE("a Chat client on Gemini: the stream path, the key header, thinking tokens billed as output") {
  FakeUpstream upstream;
  const json usage{{"promptTokenCount", 1500},
                   {"cachedContentTokenCount", 1000},
                   {"candidatesTokenCount", 25},
                   {"thoughtsTokenCount", 300},
                   {"totalTokenCount", 1825}};
  upstream.on("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", [&](const RecordedRequest&) {
    FakeResponse reply;
    reply.content_type = "text/event-stream";
    reply.chunks = {gemini_stream_chunk(json::array({{{"text", "Hel"}}}), "", nullptr),
                    gemini_stream_chunk(json::array({{{"text", "lo"}}}), "STOP", usage)};
    return reply;
  });
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  const std::string body = R"({"model":"gemini-2.5-flash","stream":true,"stream_options":{"include_usage":true},
    "messages":[{"role":"system","content":"brief"},{"role":"user","content":"hi"}],"max_tokens":64})";
  auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), body);
  CHECK(result.status == 200);
  auto seen = upstream.last_request();
  CHECK(seen.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent");
  CHECK(seen.query.find("alt=sse") != std::string::npos);
  CHECK(seen.headers.find("x-goog-api-key")->second == "test-gemini-key-not-real");
  CHECK(seen.headers.find("Authorization") == seen.headers.end());
  auto sent = body_of(seen);
  CHECK(sent["systemInstruction"]["parts"][0]["text"] == "brief");
  CHECK(sent["generationConfig"]["maxOutputTokens"] == 64);
  std::string text;
  json final_usage;
  for (const auto& [name, data] : sse_events(result.body)) {
    if (!data.is_object()) continue;
    for (const auto& choice : data.value("choices", json::array())) text += choice["delta"].value("content", "");
    if (data.contains("usage") && data["usage"].is_object()) final_usage = data["usage"];
  }
  CHECK(text == "Hello");
  CHECK(final_usage["prompt_tokens"] == 1500);
  CHECK(final_usage["completion_tokens"] == 325);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  const auto& row = rows[0].record;
  CHECK(row.provider == "gemini");
  CHECK(row.outcome == core::Outcome::ok);
  CHECK(row.usage.input_uncached_tokens == 500);
  CHECK(row.usage.cache_read_tokens == 1000);
  CHECK(row.usage.output_tokens == 325);
  CHECK(row.usage.reasoning_tokens == 300);
  CHECK_FALSE(row.unpriced);
}

TEST_CASE("gemini-cli's own routes pass through to Gemini with the key swapped and the body untouched") {
  FakeUpstream upstream;
  const std::string reply_body =
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":2,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash"})";
  upstream.on("POST", "/v1beta/models/gemini-2.5-flash:generateContent", [&](const RecordedRequest&) {
    FakeResponse reply;
    reply.body = reply_body;
    return reply;
  });
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  const std::string body = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],"x_future":1})";
  auto response = client->Post("/v1beta/models/gemini-2.5-flash:generateContent?key=" + std::string(k_test_token),
                               httplib::Headers{}, body, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == reply_body);
  auto seen = upstream.last_request();
  CHECK(seen.body == body);
  CHECK(seen.query.find(k_test_token) == std::string::npos);
  CHECK(seen.headers.find("x-goog-api-key")->second == "test-gemini-key-not-real");
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.requested_model == "gemini-2.5-flash");
  CHECK(rows[0].record.usage.output_tokens == 2);

  auto unauthorised =
      client->Post("/v1beta/models/gemini-2.5-flash:generateContent", httplib::Headers{}, body, "application/json");
  REQUIRE(unauthorised);
  CHECK(unauthorised->status == 401);
  CHECK(json::parse(unauthorised->body)["error"]["code"] == 401);
}

TEST_CASE("an upstream context overflow reaches Claude Code as an Anthropic error it compacts on, words kept") {
  FakeUpstream upstream;
  const std::string message =
      "This model's maximum context length is 65536 tokens. However, you requested 70000 tokens.";
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) {
    return openai_error(400, "invalid_request_error", message, "context_length_exceeded");
  });
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  for (bool stream : {false, true}) {
    CAPTURE(stream);
    const std::string body = std::string(R"({"model":"fakechat/m","max_tokens":10,"stream":)") +
                             (stream ? "true" : "false") + R"(,"messages":[{"role":"user","content":"long"}]})";
    auto response = client->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json");
    REQUIRE(response);
    CHECK(response->status == 400);
    auto error = json::parse(response->body);
    CHECK(error["type"] == "error");
    CHECK(error["error"]["type"] == "invalid_request_error");
    const std::string text = error["error"]["message"];
    CHECK(text.find("prompt is too long") != std::string::npos);
    CHECK(text.find(message) != std::string::npos);
  }
}

TEST_CASE("count_tokens is answered locally for a provider that cannot count Anthropic requests") {
  FakeUpstream upstream;
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  const std::string body =
      R"({"model":"fakechat/m","messages":[{"role":"user","content":")" + std::string(400, 'a') + R"("}]})";
  auto response =
      client->Post("/v1/messages/count_tokens?beta=true", TestGateway::anthropic_auth(), body, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  const auto tokens = json::parse(response->body)["input_tokens"].get<int64_t>();
  CHECK(tokens >= 100);
  CHECK(tokens < 200);
  CHECK(upstream.calls() == 0);
}

TEST_CASE("reasoning state another provider issued is dropped before a passthrough to Anthropic") {
  FakeUpstream upstream;
  TestGateway gateway(translating_config(upstream));
  auto client = gateway.client();
  // A thinking block Claude Code got from a translated DeepSeek answer, replayed to Claude.
  const std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[
    {"role":"user","content":"hi"},
    {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"llmgw1.none."},{"type":"text","text":"hello"}]},
    {"role":"user","content":"again"}]})";
  auto response = client->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  auto sent = upstream.last_request().body;
  CHECK(sent.find("llmgw1.") == std::string::npos);
  CHECK(sent.find("hello") != std::string::npos);
}

TEST_CASE("Azure: deployment URL with api-version and the api-key header") {
  FakeUpstream upstream;
  upstream.on("POST", "/openai/deployments/my-gpt41/chat/completions",
              [](const RecordedRequest&) { return openai_chat_reply("gpt-4.1-2025-04-14", "from azure", 10, 0, 2); });
  auto config = translating_config(upstream);
  config.aliases["gpt-4.1"] = {{"azure/gpt-4.1"}};
  TestGateway gateway(config);
  auto client = gateway.client();
  const std::string body = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";
  auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(), body, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  auto seen = upstream.last_request();
  CHECK(seen.path == "/openai/deployments/my-gpt41/chat/completions");
  CHECK(seen.query == "api-version=2024-10-21");
  CHECK(seen.headers.find("api-key")->second == "test-azure-key-not-real");
  CHECK(seen.headers.find("Authorization") == seen.headers.end());
  CHECK(body_of(seen)["model"] == "my-gpt41");
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.provider == "azure");
  CHECK(rows[0].record.cost_usd_pico > 0); // Azure bills OpenAI's list prices
}
