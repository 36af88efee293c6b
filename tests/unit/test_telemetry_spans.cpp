// Traces: W3C traceparent parsing, the spans of a finished request and their OTLP encodings.
#include "core/telemetry/otlp_encode.hpp"
#include "core/telemetry/record_spans.hpp"
#include "core/telemetry/span.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw::core;
using namespace llmgw::core::telemetry;
using nlohmann::json;

namespace {

const std::string k_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

RequestRecord finished_request() {
  RequestRecord record;
  record.started_at_ms = 1'700'000'000'000;
  record.duration_ms = 1500;
  record.agent = "codex";
  record.session_id = "session-1";
  record.key_name = "team-key";
  record.project = "webshop";
  record.endpoint = "/v1/chat/completions";
  record.provider = "work-openai";
  record.requested_model = "fast";
  record.served_model = "gpt-5-mini";
  record.http_status = 200;
  record.usage.input_uncached_tokens = 60;
  record.usage.cache_read_tokens = 30;
  record.usage.cache_write_5m_tokens = 10;
  record.usage.output_tokens = 20;
  record.usage.reasoning_tokens = 8;
  record.cost_usd_pico = 1'250'000'000; // $0.00125
  return record;
}

const Attribute* find(const Span& span, const std::string& key) {
  for (const auto& attribute : span.attributes)
    if (attribute.key == key) return &attribute;
  return nullptr;
}
std::string text(const Span& span, const std::string& key) {
  const auto* found = find(span, key);
  return found ? std::get<std::string>(found->value) : "";
}
int64_t integer(const Span& span, const std::string& key) {
  const auto* found = find(span, key);
  return found ? std::get<int64_t>(found->value) : -1;
}

SpanBuilder builder() { return SpanBuilder({{"work-openai", "openai"}, {"backup", "anthropic"}}); }

} // namespace

TEST_CASE("traceparent: a valid header gives the trace id, the parent id and the flags") {
  const auto parent = parse_traceparent(k_parent);
  REQUIRE(parent);
  CHECK(to_hex(parent->trace_id) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(to_hex(parent->parent_id) == "00f067aa0ba902b7");
  CHECK(parent->flags == 1);
  CHECK(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->flags == 0);
  // A later version may append fields.
  CHECK(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
}

TEST_CASE("traceparent: malformed headers are refused") {
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"})
    CHECK_MESSAGE(!parse_traceparent(bad), bad);
}

TEST_CASE("spans: a single-try request gives a server span and one client span with the record's values") {
  auto record = finished_request();
  record.trace_parent = k_parent;
  record.trace_state = "rojo=00f067aa0ba902b7";
  auto spans = builder().spans_of(record);
  REQUIRE(spans.size() == 2);
  const Span& server = spans[0];
  const Span& client = spans[1];
  CHECK(server.kind == SpanKind::server);
  CHECK(to_hex(server.trace_id) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(to_hex(server.parent_span_id) == "00f067aa0ba902b7");
  CHECK(server.trace_state == "rojo=00f067aa0ba902b7");
  CHECK(server.flags == 0x301);
  CHECK(server.name == "POST /v1/chat/completions");
  CHECK(server.start_unix_ns == 1'700'000'000'000'000'000ULL);
  CHECK(server.end_unix_ns == 1'700'000'001'500'000'000ULL);
  CHECK(text(server, "gen_ai.provider.name") == "openai");
  CHECK(text(server, "gen_ai.request.model") == "fast");
  CHECK(text(server, "gen_ai.response.model") == "gpt-5-mini");
  CHECK(text(server, "gen_ai.conversation.id") == "session-1");
  CHECK(text(server, "llmgw.key") == "team-key");
  CHECK(text(server, "llmgw.project") == "webshop");
  CHECK(text(server, "llmgw.agent") == "codex");
  CHECK(text(server, "llmgw.provider") == "work-openai");
  CHECK(std::get<double>(find(server, "llmgw.cost_usd")->value) == doctest::Approx(0.00125));
  CHECK(server.status == StatusCode::unset);

  CHECK(client.kind == SpanKind::client);
  CHECK(client.trace_id == server.trace_id);
  CHECK(client.parent_span_id == server.span_id);
  CHECK(client.span_id != server.span_id);
  CHECK(client.name == "chat gpt-5-mini");
  CHECK(client.start_unix_ns == server.start_unix_ns);
  CHECK(client.end_unix_ns == server.end_unix_ns);
  CHECK(integer(client, "gen_ai.usage.input_tokens") == 100);
  CHECK(integer(client, "gen_ai.usage.output_tokens") == 20);
  CHECK(integer(client, "gen_ai.usage.cache_read.input_tokens") == 30);
  CHECK(integer(client, "gen_ai.usage.cache_creation.input_tokens") == 10);
  CHECK(integer(client, "gen_ai.usage.reasoning.output_tokens") == 8);
  CHECK(integer(server, "gen_ai.usage.input_tokens") == -1);
}

TEST_CASE("spans: without a traceparent a new trace starts; a not-sampled one exports nothing") {
  auto record = finished_request();
  auto one = builder().spans_of(record);
  auto two = builder().spans_of(record);
  REQUIRE(one.size() == 2);
  CHECK(one[0].trace_id != TraceId{});
  CHECK(one[0].trace_id != two[0].trace_id);
  CHECK(one[0].parent_span_id == SpanId{});
  CHECK(one[0].flags == 0x101);
  record.trace_parent = "garbage";
  CHECK(builder().spans_of(record).size() == 2);
  record.trace_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
  CHECK(builder().spans_of(record).empty());
}

TEST_CASE("spans: each try of a retried request is a client span; the failed ones are errors") {
  auto record = finished_request();
  record.attempts = {{"work-openai", "gpt-5-mini", 503, 200, "HTTP 503: next try"},
                     {"backup", "claude-haiku-4-5", 200, 300, ""}};
  auto spans = builder().spans_of(record);
  REQUIRE(spans.size() == 3);
  CHECK(spans[1].status == StatusCode::error);
  CHECK(spans[1].status_message == "HTTP 503: next try");
  CHECK(text(spans[1], "error.type") == "503");
  CHECK(integer(spans[1], "gen_ai.usage.output_tokens") == -1);
  CHECK(spans[1].end_unix_ns - spans[1].start_unix_ns == 200'000'000);
  CHECK(text(spans[2], "gen_ai.provider.name") == "anthropic");
  CHECK(spans[2].name == "chat claude-haiku-4-5");
  CHECK(spans[2].status == StatusCode::unset);
  CHECK(spans[2].start_unix_ns == spans[1].end_unix_ns);
  CHECK(spans[2].end_unix_ns == spans[0].end_unix_ns);
  CHECK(integer(spans[2], "gen_ai.usage.output_tokens") == 20);
}

TEST_CASE("spans: a refused request has no client span and its server span is an error") {
  auto record = finished_request();
  record.outcome = Outcome::refused;
  record.http_status = 402;
  record.error_message = "daily cap reached";
  auto spans = builder().spans_of(record);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].status == StatusCode::error);
  CHECK(spans[0].status_message == "daily cap reached");
  CHECK(text(spans[0], "llmgw.outcome") == "refused");
  CHECK(integer(spans[0], "http.response.status_code") == 402);
}

TEST_CASE("spans: provider kinds map to GenAI provider names") {
  config::Config config;
  for (auto [name, kind] : {std::pair{"a", config::ProviderKind::anthropic},
                            {"g", config::ProviderKind::gemini},
                            {"z", config::ProviderKind::azure},
                            {"groq", config::ProviderKind::openai_compatible},
                            {"mistral", config::ProviderKind::openai_compatible}}) {
    config::ProviderConfig provider;
    provider.name = name;
    provider.kind = kind;
    config.providers.push_back(provider);
  }
  const auto systems = provider_systems(config);
  CHECK(systems.at("a") == "anthropic");
  CHECK(systems.at("g") == "gcp.gemini");
  CHECK(systems.at("z") == "azure.ai.openai");
  CHECK(systems.at("groq") == "groq");
  CHECK(systems.at("mistral") == "mistral_ai");
}

TEST_CASE("otlp: JSON carries hex ids, 64-bit integers as strings and the resource") {
  Span span;
  span.trace_id = parse_traceparent(k_parent)->trace_id;
  span.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  span.name = "chat m";
  span.kind = SpanKind::client;
  span.start_unix_ns = 1'700'000'000'000'000'000ULL;
  span.end_unix_ns = 1'700'000'000'100'000'000ULL;
  span.attributes = {{"s", std::string("v")}, {"i", int64_t{42}}, {"d", 0.5}, {"b", true}};
  span.status = StatusCode::error;
  span.status_message = "bad";
  const Producer producer{{{"service.name", std::string("llmgw")}}, "llmgw", "1.0"};
  const json body = json::parse(encode_json(producer, {span}));
  const json& encoded = body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  CHECK(body["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"] == "llmgw");
  CHECK(body["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"] == "llmgw");
  CHECK(encoded["traceId"] == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(encoded["spanId"] == "0102030405060708");
  CHECK_FALSE(encoded.contains("parentSpanId"));
  CHECK(encoded["kind"] == 3);
  CHECK(encoded["startTimeUnixNano"] == "1700000000000000000");
  CHECK(encoded["attributes"][0]["value"]["stringValue"] == "v");
  CHECK(encoded["attributes"][1]["value"]["intValue"] == "42");
  CHECK(encoded["attributes"][2]["value"]["doubleValue"] == 0.5);
  CHECK(encoded["attributes"][3]["value"]["boolValue"] == true);
  CHECK(encoded["status"]["code"] == 2);
  CHECK(encoded["status"]["message"] == "bad");
}

TEST_CASE("otlp: protobuf follows the wire format of ExportTraceServiceRequest") {
  Span span;
  span.trace_id.fill(0xab);
  span.span_id.fill(0xcd);
  span.name = "n";
  span.kind = SpanKind::server;
  span.start_unix_ns = 1;
  span.end_unix_ns = 2;
  span.attributes = {{"k", int64_t{0}}};
  const std::string bytes = encode_protobuf(Producer{{}, "s", ""}, {span});
  // Span: 1 trace_id (16 bytes), 2 span_id (8), 5 name, 6 kind 2, 7/8 fixed64 times, 9 attribute
  // {1 "k", 2 AnyValue {3 int_value 0}} (a oneof member is written even at 0).
  std::string expected_span = "\x0a\x10" + std::string(16, '\xab') + "\x12\x08" + std::string(8, '\xcd') +
                              std::string("\x2a\x01n\x30\x02", 5) + std::string("\x39\x01\0\0\0\0\0\0\0", 9) +
                              std::string("\x41\x02\0\0\0\0\0\0\0", 9) +
                              std::string("\x4a\x07\x0a\x01k\x12\x02\x18\x00", 9);
  const std::string scope_spans =
      "\x0a\x03\x0a\x01s" + std::string("\x12") + static_cast<char>(expected_span.size()) + expected_span;
  const std::string resource_spans =
      std::string("\x0a\x00", 2) + "\x12" + static_cast<char>(scope_spans.size()) + scope_spans;
  CHECK(bytes == "\x0a" + std::string(1, static_cast<char>(resource_spans.size())) + resource_spans);
}
