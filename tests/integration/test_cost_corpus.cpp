// A table-driven cost corpus (issue 16): for each client API (Chat, Responses, Messages, Gemini),
// streamed or not, passed through or translated, the fake provider answers with an exact usage
// object in its own format (cache reads, 5 m and 1 h writes, reasoning, tool-use prompt tokens,
// long-context tiers at their boundary, cut streams) and the ledger row must hold the token split
// and the pico-USD cost worked out here by hand from the list prices of
// core/pricing/bundled_prices.cpp (micro-USD per Mtok, i.e. pico-USD per token: $2/Mtok = 2'000'000).
//
// How usage maps (core/protocol/usage_normalise.cpp): OpenAI prompt/input tokens include
// cached_tokens (and cache_write_tokens, billed as 5 m writes); Anthropic input_tokens exclude
// both cache counts; Gemini promptTokenCount includes cachedContentTokenCount, and
// toolUsePromptTokenCount is more input, thoughtsTokenCount more output. Reasoning is inside
// output. A long-context tier applies when the whole prompt (every input part) is strictly
// above the threshold, and then to every token. A stream cut before its final usage is
// `estimated` (core/accounting/usage_estimate.cpp): the reported input parts, or with none the
// body sent upstream at 4 bytes a token, and the larger of reported and streamed-text output.
#include "core/accounting/usage_estimate.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;

namespace {

// Provider JSON keeps its key order when patched.
using ojson = nlohmann::ordered_json;

enum class Api { chat, responses, messages, gemini };

// The ledger row's token split; k_estimated in uncached: the input estimate of the body sent.
struct Tokens {
  int64_t uncached = 0;
  int64_t cache_read = 0;
  int64_t write_5m = 0;
  int64_t write_1h = 0;
  int64_t output = 0;
  int64_t reasoning = 0;
};

constexpr int64_t k_estimated = -1;

struct CostRow {
  const char* name;
  Api client;   // the API the client calls
  Api upstream; // the provider's API: the same one is a passthrough, another a translation
  bool stream;
  const char* model;    // as the client names it ("deepseek/..." picks that provider)
  const char* provider; // where the gateway routes it
  // The usage object in the provider's format: the body's (Chat, Responses, Messages), the last
  // usage chunk (Chat), response.completed's (Responses), message_delta's (Messages stream), the
  // final usageMetadata (Gemini). Empty: none (a stream cut before it).
  const char* usage;
  // Messages streams: message_start's usage.
  const char* start_usage = "";
  bool cut = false; // the stream ends after its text, without its final events
  Tokens tokens;
  int64_t cost; // pico-USD, from the list prices
  // Rows whose input is estimated: pico-USD per input token, added for the estimate.
  int64_t estimated_input_rate = 0;
};

const std::vector<std::string> k_pieces{"The ", "quick ", "brown ", "fox"}; // 19 bytes: 5 tokens estimated

// The model the provider is sent and answers with: the part after "provider/".
std::string served_model(const CostRow& row) {
  const std::string model = row.model;
  const size_t slash = model.find('/');
  return slash == std::string::npos ? model : model.substr(slash + 1);
}

// Rewrites the data of every SSE event that is JSON ("[DONE]" is left alone).
void patch_events(FakeResponse& reply, const std::function<void(ojson&)>& patch) {
  for (auto& chunk : reply.chunks) {
    const size_t at = chunk.find("data: ");
    if (at == std::string::npos) continue;
    const size_t begin = at + 6;
    const size_t end = chunk.find("\n\n", begin);
    auto data = ojson::parse(chunk.substr(begin, end - begin), nullptr, false);
    if (data.is_discarded()) continue;
    patch(data);
    chunk = chunk.substr(0, begin) + data.dump() + chunk.substr(end);
  }
}

void set_body_usage(FakeResponse& reply, const char* key, const ojson& usage) {
  auto body = ojson::parse(reply.body);
  body[key] = usage;
  reply.body = body.dump();
}

ojson parse_or_null(const char* text) { return *text ? ojson::parse(text) : ojson(nullptr); }

std::string gemini_chunk(const std::string& model, const std::string& text, bool finish, const ojson& usage) {
  ojson candidate{{"content", {{"role", "model"}, {"parts", ojson::array({{{"text", text}}})}}}};
  if (finish) candidate["finishReason"] = "STOP";
  candidate["index"] = 0;
  ojson chunk{{"candidates", ojson::array({candidate})}};
  if (!usage.is_null()) chunk["usageMetadata"] = usage;
  chunk["modelVersion"] = model;
  chunk["responseId"] = "resp-corpus";
  return "data: " + chunk.dump() + "\r\n\r\n";
}

// Gemini: a whole answer, or a stream of two chunks whose usageMetadata is cumulative: the first
// has the prompt counts and 2 candidate tokens so far, the last the final counts.
FakeResponse gemini_reply(const std::string& model, bool stream, const ojson& usage) {
  FakeResponse reply;
  if (!stream) {
    reply.body = ojson::parse(gemini_chunk(model, "The quick brown fox", true, usage).substr(6)).dump();
    return reply;
  }
  ojson partial = usage;
  partial["candidatesTokenCount"] = 2;
  partial.erase("thoughtsTokenCount");
  reply.content_type = "text/event-stream";
  reply.chunks = {gemini_chunk(model, "The quick ", false, partial), gemini_chunk(model, "brown fox", true, usage)};
  return reply;
}

// What the fake provider answers for a row, in the provider's format with the row's usage.
FakeResponse upstream_reply(const CostRow& row) {
  const std::string model = served_model(row);
  const ojson usage = parse_or_null(row.usage);
  FakeResponse reply;
  size_t kept = 0; // events a cut stream keeps: those before and with the text
  switch (row.upstream) {
  case Api::chat:
    if (!row.stream) {
      reply = openai_chat_reply(model, "The quick brown fox", 0, 0, 0);
      set_body_usage(reply, "usage", usage);
      break;
    }
    reply = openai_chat_stream(model, k_pieces, true, 0, 0, 0);
    patch_events(reply, [&](ojson& data) {
      if (data.contains("usage") && data["usage"].is_object()) data["usage"] = usage;
    });
    kept = 1 + k_pieces.size(); // the role chunk, one per piece
    break;
  case Api::responses:
    if (!row.stream) {
      reply = openai_responses_reply(model, "The quick brown fox", 0, 0, 0);
      set_body_usage(reply, "usage", usage);
      break;
    }
    reply = openai_responses_stream(model, k_pieces, 0, 0, 0);
    patch_events(reply, [&](ojson& data) {
      if (data.value("type", "") == "response.completed") data["response"]["usage"] = usage;
    });
    kept = 4 + k_pieces.size(); // created, in_progress, output_item.added, content_part.added, deltas
    break;
  case Api::messages:
    if (!row.stream) {
      reply = anthropic_reply(model, "The quick brown fox", 0, 0, 0, 0);
      set_body_usage(reply, "usage", usage);
      break;
    }
    reply = anthropic_stream(model, k_pieces, 0, 0, 0, 0);
    patch_events(reply, [&](ojson& data) {
      const std::string type = data.value("type", "");
      if (type == "message_start") data["message"]["usage"] = ojson::parse(row.start_usage);
      if (type == "message_delta") data["usage"] = usage;
    });
    kept = 3 + k_pieces.size(); // message_start, content_block_start, ping, deltas
    break;
  case Api::gemini:
    reply = gemini_reply(model, row.stream, usage);
    kept = 1; // the first chunk, with its partial usage
    break;
  }
  if (row.cut) {
    reply.chunks.resize(kept);
    reply.cut_after_chunks = true;
  }
  return reply;
}

std::string method_path(const std::string& model, bool stream) {
  return "/v1beta/models/" + model + (stream ? ":streamGenerateContent" : ":generateContent");
}

// Where the provider is called (path without the query).
std::string upstream_path(const CostRow& row) {
  switch (row.upstream) {
  case Api::chat: return "/v1/chat/completions";
  case Api::responses: return "/v1/responses";
  case Api::messages: return "/v1/messages";
  case Api::gemini: return method_path(served_model(row), row.stream);
  }
  return "";
}

std::string client_path(const CostRow& row) {
  switch (row.client) {
  case Api::chat: return "/v1/chat/completions";
  case Api::responses: return "/v1/responses";
  case Api::messages: return "/v1/messages";
  case Api::gemini: return method_path(row.model, row.stream) + (row.stream ? "?alt=sse" : "");
  }
  return "";
}

std::string client_body(const CostRow& row) {
  const std::string model = row.model;
  switch (row.client) {
  case Api::chat:
    return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])" +
           (row.stream ? R"(,"stream":true,"stream_options":{"include_usage":true}})" : "}");
  case Api::responses:
    return R"({"model":")" + model +
           R"(","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}])" +
           (row.stream ? R"(,"stream":true})" : "}");
  case Api::messages:
    return R"({"model":")" + model + R"(","max_tokens":256,"messages":[{"role":"user","content":"hi"}])" +
           (row.stream ? R"(,"stream":true})" : "}");
  case Api::gemini: return R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
  }
  return "";
}

httplib::Headers client_headers(const CostRow& row) {
  switch (row.client) {
  case Api::chat:
  case Api::responses: return TestGateway::openai_auth();
  case Api::messages: return TestGateway::anthropic_auth();
  case Api::gemini: return {{"x-goog-api-key", k_test_token}};
  }
  return {};
}

// fake_config's "openai" (Chat and Responses) and "anthropic", plus an OpenAI-compatible
// Chat-only server named "deepseek" (its prices are the table's deepseek entries) and Gemini.
core::config::Config corpus_config(const FakeUpstream& upstream) {
  auto config = fake_config(upstream);
  core::config::ProviderConfig deepseek;
  deepseek.name = "deepseek";
  deepseek.kind = core::config::ProviderKind::openai_compatible;
  deepseek.base_url = upstream.base_url() + "/v1";
  deepseek.api_key_env = "LLMGW_TEST_DEEPSEEK_KEY";
  deepseek.api_key = "test-deepseek-key-not-real";
  core::config::ProviderConfig gemini;
  gemini.name = "gemini";
  gemini.kind = core::config::ProviderKind::gemini;
  gemini.base_url = upstream.base_url();
  gemini.api_key_env = "LLMGW_TEST_GEMINI_KEY";
  gemini.api_key = "test-gemini-key-not-real";
  config.providers.push_back(deepseek);
  config.providers.push_back(gemini);
  return config;
}

// One row through a fresh fake provider and gateway: the request, then its ledger row.
void run_row(const CostRow& row) {
  INFO("row: " << row.name);
  FakeUpstream upstream;
  const FakeResponse reply = upstream_reply(row);
  const std::string model = served_model(row);
  for (const std::string& path : {std::string("/v1/chat/completions"), std::string("/v1/responses"),
                                  std::string("/v1/messages"), method_path(model, false), method_path(model, true)})
    upstream.on("POST", path, [reply](const RecordedRequest&) { return reply; });
  TestGateway gateway(corpus_config(upstream));
  {
    auto client = gateway.client();
    if (row.stream) {
      auto result = post_streaming(*client, client_path(row), client_headers(row), client_body(row));
      CHECK(result.status == 200);
    } else {
      auto response = client->Post(client_path(row), client_headers(row), client_body(row), "application/json");
      REQUIRE(response);
      CHECK(response->status == 200);
    }
  }
  CHECK(upstream.last_request().path == upstream_path(row));
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  const auto& record = rows[0].record;
  CHECK(record.provider == row.provider);
  CHECK(record.served_model == model);
  CHECK(record.outcome == (row.cut ? core::Outcome::upstream_cut : core::Outcome::ok));
  CHECK(record.usage_source == (row.cut ? core::UsageSource::estimated : core::UsageSource::reported));
  CHECK_FALSE(record.unpriced);
  const int64_t input_estimate =
      core::estimate_tokens(static_cast<int64_t>(upstream.last_request().body.size())); // of the body sent
  const bool estimated_input = row.tokens.uncached == k_estimated;
  CHECK(record.usage.input_uncached_tokens == (estimated_input ? input_estimate : row.tokens.uncached));
  CHECK(record.usage.cache_read_tokens == row.tokens.cache_read);
  CHECK(record.usage.cache_write_5m_tokens == row.tokens.write_5m);
  CHECK(record.usage.cache_write_1h_tokens == row.tokens.write_1h);
  CHECK(record.usage.output_tokens == row.tokens.output);
  CHECK(record.usage.reasoning_tokens == row.tokens.reasoning);
  const int64_t expected_cost = row.cost + (estimated_input ? input_estimate * row.estimated_input_rate : 0);
  CHECK(record.cost_usd_pico == expected_cost);
}

void run_table(const std::vector<CostRow>& table) {
  for (const auto& row : table) run_row(row);
}

// Each API on a provider of the same API: the client's bytes pass through.
const std::vector<CostRow> k_passthrough{
    {.name = "Chat: cached prompt tokens and reasoning",
     .client = Api::chat,
     .upstream = Api::chat,
     .stream = false,
     .model = "o4-mini",
     .provider = "openai",
     .usage = R"({"prompt_tokens":10000,"completion_tokens":1200,"total_tokens":11200,
       "prompt_tokens_details":{"cached_tokens":8000,"audio_tokens":0},
       "completion_tokens_details":{"reasoning_tokens":1000,"audio_tokens":0,"accepted_prediction_tokens":0,
       "rejected_prediction_tokens":0}})",
     .tokens = {.uncached = 2'000, .cache_read = 8'000, .output = 1'200, .reasoning = 1'000},
     // o4-mini: $1.10 input, $0.275 cached input, $4.40 output per Mtok
     .cost = 2'000LL * 1'100'000 + 8'000LL * 275'000 + 1'200LL * 4'400'000},
    {.name = "Chat stream: cached prompt tokens and reasoning in the usage chunk",
     .client = Api::chat,
     .upstream = Api::chat,
     .stream = true,
     .model = "gpt-5-mini",
     .provider = "openai",
     .usage = R"({"prompt_tokens":50000,"completion_tokens":2500,"total_tokens":52500,
       "prompt_tokens_details":{"cached_tokens":45000,"audio_tokens":0},
       "completion_tokens_details":{"reasoning_tokens":2000,"audio_tokens":0}})",
     .tokens = {.uncached = 5'000, .cache_read = 45'000, .output = 2'500, .reasoning = 2'000},
     // gpt-5-mini: $0.25 input, $0.025 cached input, $2 output per Mtok
     .cost = 5'000LL * 250'000 + 45'000LL * 25'000 + 2'500LL * 2'000'000},
    {.name = "Chat stream: a cache write (cache_write_tokens) bills at the model's write price",
     .client = Api::chat,
     .upstream = Api::chat,
     .stream = true,
     .model = "gpt-5.6",
     .provider = "openai",
     .usage = R"({"prompt_tokens":5000,"completion_tokens":400,"total_tokens":5400,
       "prompt_tokens_details":{"cached_tokens":3000,"cache_write_tokens":1000},
       "completion_tokens_details":{"reasoning_tokens":100}})",
     .tokens = {.uncached = 1'000, .cache_read = 3'000, .write_5m = 1'000, .output = 400, .reasoning = 100},
     // gpt-5.6: $5 input, $0.50 cached input, $6.25 cache write, $30 output per Mtok
     .cost = 1'000LL * 5'000'000 + 3'000LL * 500'000 + 1'000LL * 6'250'000 + 400LL * 30'000'000},
    {.name = "Responses: cached input tokens and reasoning",
     .client = Api::responses,
     .upstream = Api::responses,
     .stream = false,
     .model = "gpt-5",
     .provider = "openai",
     .usage = R"({"input_tokens":20000,"input_tokens_details":{"cached_tokens":15000},"output_tokens":3000,
       "output_tokens_details":{"reasoning_tokens":2500},"total_tokens":23000})",
     .tokens = {.uncached = 5'000, .cache_read = 15'000, .output = 3'000, .reasoning = 2'500},
     // gpt-5: $1.25 input, $0.125 cached input, $10 output per Mtok
     .cost = 5'000LL * 1'250'000 + 15'000LL * 125'000 + 3'000LL * 10'000'000},
    {.name = "Responses stream: usage of response.completed",
     .client = Api::responses,
     .upstream = Api::responses,
     .stream = true,
     .model = "gpt-5.2",
     .provider = "openai",
     .usage = R"({"input_tokens":40000,"input_tokens_details":{"cached_tokens":32000},"output_tokens":4000,
       "output_tokens_details":{"reasoning_tokens":3000},"total_tokens":44000})",
     .tokens = {.uncached = 8'000, .cache_read = 32'000, .output = 4'000, .reasoning = 3'000},
     // gpt-5.2: $1.75 input, $0.175 cached input, $14 output per Mtok
     .cost = 8'000LL * 1'750'000 + 32'000LL * 175'000 + 4'000LL * 14'000'000},
    {.name = "Messages: cache read, 5 m and 1 h writes",
     .client = Api::messages,
     .upstream = Api::messages,
     .stream = false,
     .model = "claude-opus-4-5",
     .provider = "anthropic",
     .usage = R"({"input_tokens":1200,"cache_creation_input_tokens":3000,"cache_read_input_tokens":40000,
       "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":800,
       "service_tier":"standard"})",
     .tokens = {.uncached = 1'200, .cache_read = 40'000, .write_5m = 1'000, .write_1h = 2'000, .output = 800},
     // claude-opus-4-5: $5 input, $0.50 cache read, $6.25 5m write, $10 1h write, $25 output per Mtok
     .cost =
         1'200LL * 5'000'000 + 40'000LL * 500'000 + 1'000LL * 6'250'000 + 2'000LL * 10'000'000 + 800LL * 25'000'000},
    {.name = "Messages stream: message_delta repeats only the cache-write total, message_start's 1 h split survives",
     .client = Api::messages,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-haiku-4-5",
     .provider = "anthropic",
     .usage = R"({"input_tokens":900,"cache_creation_input_tokens":5000,"cache_read_input_tokens":20000,
       "output_tokens":650})",
     .start_usage = R"({"input_tokens":900,"cache_creation_input_tokens":5000,"cache_read_input_tokens":20000,
       "cache_creation":{"ephemeral_5m_input_tokens":1500,"ephemeral_1h_input_tokens":3500},"output_tokens":1,
       "service_tier":"standard"})",
     .tokens = {.uncached = 900, .cache_read = 20'000, .write_5m = 1'500, .write_1h = 3'500, .output = 650},
     // claude-haiku-4-5: $1 input, $0.10 cache read, $1.25 5m write, $2 1h write, $5 output per Mtok
     .cost = 900LL * 1'000'000 + 20'000LL * 100'000 + 1'500LL * 1'250'000 + 3'500LL * 2'000'000 + 650LL * 5'000'000},
    {.name = "Messages stream: message_delta carries output_tokens only, message_start's input parts stand",
     .client = Api::messages,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-opus-4-1",
     .provider = "anthropic",
     .usage = R"({"output_tokens":300})",
     .start_usage = R"({"input_tokens":50,"cache_creation_input_tokens":4000,"cache_read_input_tokens":0,
       "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":4000},"output_tokens":1})",
     .tokens = {.uncached = 50, .write_1h = 4'000, .output = 300},
     // claude-opus-4-1: $15 input, $30 1h write, $75 output per Mtok
     .cost = 50LL * 15'000'000 + 4'000LL * 30'000'000 + 300LL * 75'000'000},
    {.name = "Messages stream: a different cache-write total in message_delta keeps message_start's proportion",
     .client = Api::messages,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-opus-4-5",
     .provider = "anthropic",
     .usage = R"({"input_tokens":10,"cache_creation_input_tokens":6000,"cache_read_input_tokens":0,
       "output_tokens":120})",
     .start_usage = R"({"input_tokens":10,"cache_creation_input_tokens":4000,"cache_read_input_tokens":0,
       "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":3000},"output_tokens":1})",
     // 1 h: 6000 x 3000/4000 = 4500 (round to nearest); 5 m: the other 1500
     .tokens = {.uncached = 10, .write_5m = 1'500, .write_1h = 4'500, .output = 120},
     // claude-opus-4-5: $5 input, $6.25 5m write, $10 1h write, $25 output per Mtok
     .cost = 10LL * 5'000'000 + 1'500LL * 6'250'000 + 4'500LL * 10'000'000 + 120LL * 25'000'000},
    {.name = "Gemini generateContent: cached content, thoughts and tool-use prompt tokens",
     .client = Api::gemini,
     .upstream = Api::gemini,
     .stream = false,
     .model = "gemini-2.5-flash",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":12000,"cachedContentTokenCount":8000,"candidatesTokenCount":400,
       "toolUsePromptTokenCount":600,"thoughtsTokenCount":1500,"totalTokenCount":14500})",
     // uncached: 12000 - 8000 cached + 600 tool-use prompt; output: 400 candidates + 1500 thoughts
     .tokens = {.uncached = 4'600, .cache_read = 8'000, .output = 1'900, .reasoning = 1'500},
     // gemini-2.5-flash: $0.30 input, $0.03 cached input, $2.50 output per Mtok
     .cost = 4'600LL * 300'000 + 8'000LL * 30'000 + 1'900LL * 2'500'000},
    {.name = "Gemini streamGenerateContent: the last cumulative usageMetadata counts",
     .client = Api::gemini,
     .upstream = Api::gemini,
     .stream = true,
     .model = "gemini-2.5-flash-lite",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":30000,"cachedContentTokenCount":24000,"candidatesTokenCount":700,
       "toolUsePromptTokenCount":300,"thoughtsTokenCount":2000,"totalTokenCount":33000})",
     // uncached: 30000 - 24000 + 300; output: 700 + 2000
     .tokens = {.uncached = 6'300, .cache_read = 24'000, .output = 2'700, .reasoning = 2'000},
     // gemini-2.5-flash-lite: $0.10 input, $0.01 cached input, $0.40 output per Mtok
     .cost = 6'300LL * 100'000 + 24'000LL * 10'000 + 2'700LL * 400'000},
};

// Long-context tiers: the whole prompt (cache included) strictly above the threshold moves every
// token to the tier's rates; exactly at it stays at the base rates.
const std::vector<CostRow> k_tiers{
    {.name = "Responses: gpt-5.4 with a prompt of exactly 272,000 tokens stays at the base rates",
     .client = Api::responses,
     .upstream = Api::responses,
     .stream = false,
     .model = "gpt-5.4",
     .provider = "openai",
     .usage = R"({"input_tokens":272000,"input_tokens_details":{"cached_tokens":200000},"output_tokens":1000,
       "output_tokens_details":{"reasoning_tokens":0},"total_tokens":273000})",
     .tokens = {.uncached = 72'000, .cache_read = 200'000, .output = 1'000},
     // gpt-5.4 up to 272k: $2.50 input, $0.25 cached input, $15 output per Mtok
     .cost = 72'000LL * 2'500'000 + 200'000LL * 250'000 + 1'000LL * 15'000'000},
    {.name = "Responses stream: gpt-5.4 with a prompt of 272,001 tokens bills every token at the long-context rates",
     .client = Api::responses,
     .upstream = Api::responses,
     .stream = true,
     .model = "gpt-5.4",
     .provider = "openai",
     .usage = R"({"input_tokens":272001,"input_tokens_details":{"cached_tokens":200000},"output_tokens":1000,
       "output_tokens_details":{"reasoning_tokens":0},"total_tokens":273001})",
     .tokens = {.uncached = 72'001, .cache_read = 200'000, .output = 1'000},
     // gpt-5.4 above 272k: $5 input, $0.50 cached input, $22.50 output per Mtok
     .cost = 72'001LL * 5'000'000 + 200'000LL * 500'000 + 1'000LL * 22'500'000},
    {.name = "Messages: claude-sonnet-4-5 with a prompt of exactly 200,000 tokens (cache included) stays at base",
     .client = Api::messages,
     .upstream = Api::messages,
     .stream = false,
     .model = "claude-sonnet-4-5",
     .provider = "anthropic",
     .usage = R"({"input_tokens":10000,"cache_creation_input_tokens":10000,"cache_read_input_tokens":180000,
       "cache_creation":{"ephemeral_5m_input_tokens":6000,"ephemeral_1h_input_tokens":4000},"output_tokens":2000})",
     .tokens = {.uncached = 10'000, .cache_read = 180'000, .write_5m = 6'000, .write_1h = 4'000, .output = 2'000},
     // claude-sonnet-4-5 up to 200k: $3 input, $0.30 cache read, $3.75 5m write, $6 1h write, $15 output per Mtok
     .cost =
         10'000LL * 3'000'000 + 180'000LL * 300'000 + 6'000LL * 3'750'000 + 4'000LL * 6'000'000 + 2'000LL * 15'000'000},
    {.name = "Messages stream: claude-sonnet-4-5 with a prompt of 200,001 tokens bills at the 1M-context rates",
     .client = Api::messages,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-sonnet-4-5",
     .provider = "anthropic",
     .usage = R"({"input_tokens":10001,"cache_creation_input_tokens":10000,"cache_read_input_tokens":180000,
       "output_tokens":2000})",
     .start_usage = R"({"input_tokens":10001,"cache_creation_input_tokens":10000,"cache_read_input_tokens":180000,
       "cache_creation":{"ephemeral_5m_input_tokens":6000,"ephemeral_1h_input_tokens":4000},"output_tokens":1})",
     .tokens = {.uncached = 10'001, .cache_read = 180'000, .write_5m = 6'000, .write_1h = 4'000, .output = 2'000},
     // claude-sonnet-4-5 above 200k: $6 input, $0.60 cache read, $7.50 5m write, $12 1h write, $22.50 output
     .cost = 10'001LL * 6'000'000 + 180'000LL * 600'000 + 6'000LL * 7'500'000 + 4'000LL * 12'000'000 +
             2'000LL * 22'500'000},
    {.name = "Gemini: gemini-2.5-pro with a prompt of exactly 200,000 tokens stays at the base rates",
     .client = Api::gemini,
     .upstream = Api::gemini,
     .stream = false,
     .model = "gemini-2.5-pro",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":200000,"cachedContentTokenCount":150000,"candidatesTokenCount":1000,
       "thoughtsTokenCount":500,"totalTokenCount":201500})",
     .tokens = {.uncached = 50'000, .cache_read = 150'000, .output = 1'500, .reasoning = 500},
     // gemini-2.5-pro up to 200k: $1.25 input, $0.125 cached input, $10 output per Mtok
     .cost = 50'000LL * 1'250'000 + 150'000LL * 125'000 + 1'500LL * 10'000'000},
    {.name = "Gemini stream: gemini-2.5-pro with a prompt of 200,001 tokens bills at the long-context rates",
     .client = Api::gemini,
     .upstream = Api::gemini,
     .stream = true,
     .model = "gemini-2.5-pro",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":200001,"cachedContentTokenCount":150000,"candidatesTokenCount":1000,
       "thoughtsTokenCount":500,"totalTokenCount":201501})",
     .tokens = {.uncached = 50'001, .cache_read = 150'000, .output = 1'500, .reasoning = 500},
     // gemini-2.5-pro above 200k: $2.50 input, $0.25 cached input, $15 output per Mtok
     .cost = 50'001LL * 2'500'000 + 150'000LL * 250'000 + 1'500LL * 15'000'000},
    {.name = "Gemini: tool-use prompt tokens are input and count toward the 200k threshold",
     .client = Api::gemini,
     .upstream = Api::gemini,
     .stream = false,
     .model = "gemini-2.5-pro",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":199900,"cachedContentTokenCount":150000,"candidatesTokenCount":1000,
       "toolUsePromptTokenCount":101,"totalTokenCount":201001})",
     // prompt: 199900 + 101 tool-use = 200001 > 200000; uncached: 49900 + 101
     .tokens = {.uncached = 50'001, .cache_read = 150'000, .output = 1'000},
     // gemini-2.5-pro above 200k: $2.50 input, $0.25 cached input, $15 output per Mtok
     .cost = 50'001LL * 2'500'000 + 150'000LL * 250'000 + 1'000LL * 15'000'000},
};

// A client of one API on a provider of another: the row prices the provider's own usage.
const std::vector<CostRow> k_translated{
    {.name = "Anthropic client on a Chat provider (openai)",
     .client = Api::messages,
     .upstream = Api::chat,
     .stream = false,
     .model = "gpt-4.1",
     .provider = "openai",
     .usage = R"({"prompt_tokens":3000,"completion_tokens":500,"total_tokens":3500,
       "prompt_tokens_details":{"cached_tokens":2000},"completion_tokens_details":{"reasoning_tokens":0}})",
     .tokens = {.uncached = 1'000, .cache_read = 2'000, .output = 500},
     // gpt-4.1: $2 input, $0.50 cached input, $8 output per Mtok
     .cost = 1'000LL * 2'000'000 + 2'000LL * 500'000 + 500LL * 8'000'000},
    {.name = "Anthropic client streaming from a Chat-only provider (deepseek)",
     .client = Api::messages,
     .upstream = Api::chat,
     .stream = true,
     .model = "deepseek/deepseek-reasoner",
     .provider = "deepseek",
     .usage = R"({"prompt_tokens":6000,"completion_tokens":300,"total_tokens":6300,
       "prompt_tokens_details":{"cached_tokens":5000},"completion_tokens_details":{"reasoning_tokens":200}})",
     .tokens = {.uncached = 1'000, .cache_read = 5'000, .output = 300, .reasoning = 200},
     // deepseek-reasoner: $0.28 input, $0.028 cache hit, $0.42 output per Mtok
     .cost = 1'000LL * 280'000 + 5'000LL * 28'000 + 300LL * 420'000},
    {.name = "Chat client on Anthropic: cache read, 5 m and 1 h writes",
     .client = Api::chat,
     .upstream = Api::messages,
     .stream = false,
     .model = "claude-haiku-4-5",
     .provider = "anthropic",
     .usage = R"({"input_tokens":300,"cache_creation_input_tokens":2500,"cache_read_input_tokens":7000,
       "cache_creation":{"ephemeral_5m_input_tokens":2000,"ephemeral_1h_input_tokens":500},"output_tokens":90})",
     .tokens = {.uncached = 300, .cache_read = 7'000, .write_5m = 2'000, .write_1h = 500, .output = 90},
     // claude-haiku-4-5: $1 input, $0.10 cache read, $1.25 5m write, $2 1h write, $5 output per Mtok
     .cost = 300LL * 1'000'000 + 7'000LL * 100'000 + 2'000LL * 1'250'000 + 500LL * 2'000'000 + 90LL * 5'000'000},
    {.name = "Chat client streaming from Anthropic: the 1 h split of message_start survives message_delta",
     .client = Api::chat,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-opus-4-5",
     .provider = "anthropic",
     .usage = R"({"input_tokens":40,"cache_creation_input_tokens":1200,"cache_read_input_tokens":9000,
       "output_tokens":75})",
     .start_usage = R"({"input_tokens":40,"cache_creation_input_tokens":1200,"cache_read_input_tokens":9000,
       "cache_creation":{"ephemeral_5m_input_tokens":200,"ephemeral_1h_input_tokens":1000},"output_tokens":1})",
     .tokens = {.uncached = 40, .cache_read = 9'000, .write_5m = 200, .write_1h = 1'000, .output = 75},
     // claude-opus-4-5: $5 input, $0.50 cache read, $6.25 5m write, $10 1h write, $25 output per Mtok
     .cost = 40LL * 5'000'000 + 9'000LL * 500'000 + 200LL * 6'250'000 + 1'000LL * 10'000'000 + 75LL * 25'000'000},
    {.name = "Responses client on a Chat-only provider (deepseek)",
     .client = Api::responses,
     .upstream = Api::chat,
     .stream = false,
     .model = "deepseek/deepseek-chat",
     .provider = "deepseek",
     .usage = R"({"prompt_tokens":4000,"completion_tokens":250,"total_tokens":4250,
       "prompt_tokens_details":{"cached_tokens":3500}})",
     .tokens = {.uncached = 500, .cache_read = 3'500, .output = 250},
     // deepseek-chat: $0.28 input, $0.028 cache hit, $0.42 output per Mtok
     .cost = 500LL * 280'000 + 3'500LL * 28'000 + 250LL * 420'000},
    {.name = "Responses client streaming from a Chat-only provider (deepseek)",
     .client = Api::responses,
     .upstream = Api::chat,
     .stream = true,
     .model = "deepseek/deepseek-reasoner",
     .provider = "deepseek",
     .usage = R"({"prompt_tokens":9000,"completion_tokens":600,"total_tokens":9600,
       "prompt_tokens_details":{"cached_tokens":8000},"completion_tokens_details":{"reasoning_tokens":450}})",
     .tokens = {.uncached = 1'000, .cache_read = 8'000, .output = 600, .reasoning = 450},
     // deepseek-reasoner: $0.28 input, $0.028 cache hit, $0.42 output per Mtok
     .cost = 1'000LL * 280'000 + 8'000LL * 28'000 + 600LL * 420'000},
    {.name = "Chat client on Gemini: cached content, thoughts and tool-use prompt tokens",
     .client = Api::chat,
     .upstream = Api::gemini,
     .stream = false,
     .model = "gemini-2.5-flash",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":2000,"cachedContentTokenCount":1024,"candidatesTokenCount":80,
       "toolUsePromptTokenCount":50,"thoughtsTokenCount":400,"totalTokenCount":2530})",
     // uncached: 2000 - 1024 + 50; output: 80 + 400
     .tokens = {.uncached = 1'026, .cache_read = 1'024, .output = 480, .reasoning = 400},
     // gemini-2.5-flash: $0.30 input, $0.03 cached input, $2.50 output per Mtok
     .cost = 1'026LL * 300'000 + 1'024LL * 30'000 + 480LL * 2'500'000},
    {.name = "Chat client streaming from Gemini",
     .client = Api::chat,
     .upstream = Api::gemini,
     .stream = true,
     .model = "gemini-2.5-pro",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":8000,"cachedContentTokenCount":4000,"candidatesTokenCount":150,
       "thoughtsTokenCount":850,"totalTokenCount":9000})",
     .tokens = {.uncached = 4'000, .cache_read = 4'000, .output = 1'000, .reasoning = 850},
     // gemini-2.5-pro up to 200k: $1.25 input, $0.125 cached input, $10 output per Mtok
     .cost = 4'000LL * 1'250'000 + 4'000LL * 125'000 + 1'000LL * 10'000'000},
    {.name = "Anthropic client on Gemini",
     .client = Api::messages,
     .upstream = Api::gemini,
     .stream = false,
     .model = "gemini-3-flash-preview",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":5000,"candidatesTokenCount":200,"thoughtsTokenCount":100,
       "totalTokenCount":5300})",
     .tokens = {.uncached = 5'000, .output = 300, .reasoning = 100},
     // gemini-3-flash-preview: $0.50 input, $3 output per Mtok
     .cost = 5'000LL * 500'000 + 300LL * 3'000'000},
    {.name = "Responses client streaming from Anthropic",
     .client = Api::responses,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-sonnet-4-6",
     .provider = "anthropic",
     .usage = R"({"input_tokens":1500,"cache_creation_input_tokens":0,"cache_read_input_tokens":30000,
       "output_tokens":420})",
     .start_usage = R"({"input_tokens":1500,"cache_creation_input_tokens":0,"cache_read_input_tokens":30000,
       "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1})",
     .tokens = {.uncached = 1'500, .cache_read = 30'000, .output = 420},
     // claude-sonnet-4-6: $3 input, $0.30 cache read, $15 output per Mtok
     .cost = 1'500LL * 3'000'000 + 30'000LL * 300'000 + 420LL * 15'000'000},
    {.name = "Gemini client on a Chat provider (openai)",
     .client = Api::gemini,
     .upstream = Api::chat,
     .stream = false,
     .model = "gpt-4.1-mini",
     .provider = "openai",
     .usage = R"({"prompt_tokens":2500,"completion_tokens":60,"total_tokens":2560,
       "prompt_tokens_details":{"cached_tokens":2048}})",
     .tokens = {.uncached = 452, .cache_read = 2'048, .output = 60},
     // gpt-4.1-mini: $0.40 input, $0.10 cached input, $1.60 output per Mtok
     .cost = 452LL * 400'000 + 2'048LL * 100'000 + 60LL * 1'600'000},
};

// Streams cut before their final usage: estimated, never $0. Each cut stream carried the text
// "The quick brown fox" in 19 bytes (Gemini: "The quick " in 10), i.e. 5 (3) output tokens at
// ~4 bytes a token, rounded up.
const std::vector<CostRow> k_cut{
    {.name = "Chat stream cut before its usage chunk: input estimated from the body sent",
     .client = Api::chat,
     .upstream = Api::chat,
     .stream = true,
     .model = "gpt-4.1",
     .provider = "openai",
     .usage = "",
     .cut = true,
     .tokens = {.uncached = k_estimated, .output = 5},
     // gpt-4.1: $2 input, $8 output per Mtok
     .cost = 5LL * 8'000'000,
     .estimated_input_rate = 2'000'000},
    {.name = "Responses stream cut before response.completed: input estimated from the body sent",
     .client = Api::responses,
     .upstream = Api::responses,
     .stream = true,
     .model = "gpt-5-nano",
     .provider = "openai",
     .usage = "",
     .cut = true,
     .tokens = {.uncached = k_estimated, .output = 5},
     // gpt-5-nano: $0.05 input, $0.40 output per Mtok
     .cost = 5LL * 400'000,
     .estimated_input_rate = 50'000},
    {.name = "Messages stream cut before message_delta: message_start's input parts, output estimated",
     .client = Api::messages,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-haiku-4-5",
     .provider = "anthropic",
     .usage = "",
     .start_usage = R"({"input_tokens":700,"cache_creation_input_tokens":2000,"cache_read_input_tokens":10000,
       "cache_creation":{"ephemeral_5m_input_tokens":500,"ephemeral_1h_input_tokens":1500},"output_tokens":1})",
     .cut = true,
     // output: max(message_start's 1, 5 estimated)
     .tokens = {.uncached = 700, .cache_read = 10'000, .write_5m = 500, .write_1h = 1'500, .output = 5},
     // claude-haiku-4-5: $1 input, $0.10 cache read, $1.25 5m write, $2 1h write, $5 output per Mtok
     .cost = 700LL * 1'000'000 + 10'000LL * 100'000 + 500LL * 1'250'000 + 1'500LL * 2'000'000 + 5LL * 5'000'000},
    {.name = "Chat client, Anthropic stream cut before message_delta (translated)",
     .client = Api::chat,
     .upstream = Api::messages,
     .stream = true,
     .model = "claude-sonnet-4-5",
     .provider = "anthropic",
     .usage = "",
     .start_usage = R"({"input_tokens":120,"cache_creation_input_tokens":0,"cache_read_input_tokens":4000,
       "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1})",
     .cut = true,
     .tokens = {.uncached = 120, .cache_read = 4'000, .output = 5},
     // claude-sonnet-4-5 up to 200k: $3 input, $0.30 cache read, $15 output per Mtok
     .cost = 120LL * 3'000'000 + 4'000LL * 300'000 + 5LL * 15'000'000},
    {.name = "Gemini stream cut after its first chunk: its partial usageMetadata, output estimated",
     .client = Api::gemini,
     .upstream = Api::gemini,
     .stream = true,
     .model = "gemini-2.5-flash",
     .provider = "gemini",
     .usage = R"({"promptTokenCount":3000,"cachedContentTokenCount":1000,"candidatesTokenCount":40,
       "thoughtsTokenCount":200,"totalTokenCount":3240})",
     .cut = true,
     // the first chunk says prompt 3000 (1000 cached) and 2 candidates; 10 bytes of text: 3 tokens
     .tokens = {.uncached = 2'000, .cache_read = 1'000, .output = 3},
     // gemini-2.5-flash: $0.30 input, $0.03 cached input, $2.50 output per Mtok
     .cost = 2'000LL * 300'000 + 1'000LL * 30'000 + 3LL * 2'500'000},
};

} // namespace

TEST_CASE("cost corpus: each API passed through, whole and streamed, costs its usage at list prices") {
  run_table(k_passthrough);
}

TEST_CASE("cost corpus: long-context tiers start one token above their threshold") { run_table(k_tiers); }

TEST_CASE("cost corpus: translated requests cost the provider's usage at its list prices") { run_table(k_translated); }

TEST_CASE("cost corpus: cut streams are estimated at list prices, never $0") { run_table(k_cut); }
