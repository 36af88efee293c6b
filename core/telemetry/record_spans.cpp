#include "core/telemetry/record_spans.hpp"

#include <algorithm>

namespace llmgw::core::telemetry {
namespace {

constexpr uint32_t k_sampled = 0x01;
constexpr uint32_t k_parent_is_local = 0x100;  // HAS_IS_REMOTE set, IS_REMOTE clear
constexpr uint32_t k_parent_is_remote = 0x300; // HAS_IS_REMOTE and IS_REMOTE

uint64_t unix_ns(int64_t ms) { return ms > 0 ? static_cast<uint64_t>(ms) * 1'000'000 : 0; }

void add(std::vector<Attribute>& attributes, std::string key, std::string value) {
  if (!value.empty()) attributes.push_back({std::move(key), std::move(value)});
}
void add(std::vector<Attribute>& attributes, std::string key, int64_t value) {
  attributes.push_back({std::move(key), value});
}

// Outcomes that mean llmgw never asked a provider.
bool no_upstream_try(const RequestRecord& record) {
  return record.provider.empty() || record.outcome == Outcome::refused || record.outcome == Outcome::bad_request;
}

void add_usage(std::vector<Attribute>& attributes, const RequestRecord& record) {
  const Usage& usage = record.usage;
  add(attributes, "gen_ai.response.model", record.served_model);
  add(attributes, "gen_ai.conversation.id", record.session_id);
  // input_tokens counts every input token, cached ones included (GenAI semconv).
  add(attributes, "gen_ai.usage.input_tokens", usage.prompt_tokens());
  add(attributes, "gen_ai.usage.output_tokens", usage.output_tokens);
  add(attributes, "gen_ai.usage.cache_read.input_tokens", usage.cache_read_tokens);
  add(attributes, "gen_ai.usage.cache_creation.input_tokens",
      usage.cache_write_5m_tokens + usage.cache_write_1h_tokens);
  add(attributes, "gen_ai.usage.reasoning.output_tokens", usage.reasoning_tokens);
}

void fail(Span& span, std::string message) {
  span.status = StatusCode::error;
  span.status_message = std::move(message);
}

} // namespace

std::map<std::string, std::string> provider_systems(const config::Config& config) {
  std::map<std::string, std::string> systems;
  for (const auto& provider : config.providers) {
    switch (provider.kind) {
    case config::ProviderKind::openai: systems[provider.name] = "openai"; break;
    case config::ProviderKind::anthropic: systems[provider.name] = "anthropic"; break;
    case config::ProviderKind::gemini: systems[provider.name] = "gcp.gemini"; break;
    case config::ProviderKind::azure: systems[provider.name] = "azure.ai.openai"; break;
    case config::ProviderKind::openai_compatible:
      systems[provider.name] = provider.name == "mistral" ? "mistral_ai" : provider.name;
      break;
    }
  }
  return systems;
}

std::string SpanBuilder::system_of(const std::string& provider) const {
  const auto found = m_systems.find(provider);
  return found == m_systems.end() ? provider : found->second;
}

std::vector<Span> SpanBuilder::spans_of(const RequestRecord& record) {
  Span server;
  server.flags = k_sampled | k_parent_is_local;
  if (const auto parent = parse_traceparent(record.trace_parent)) {
    if ((parent->flags & k_sampled) == 0) return {};
    server.trace_id = parent->trace_id;
    server.parent_span_id = parent->parent_id;
    server.trace_state = record.trace_state;
    server.flags = k_sampled | k_parent_is_remote;
  } else {
    server.trace_id = m_ids.trace_id();
  }
  server.span_id = m_ids.span_id();
  server.kind = SpanKind::server;
  server.name = "POST " + record.endpoint;
  server.start_unix_ns = unix_ns(record.started_at_ms);
  server.end_unix_ns = unix_ns(record.started_at_ms + std::max<int64_t>(record.duration_ms, 0));
  auto& attributes = server.attributes;
  add(attributes, "gen_ai.operation.name", std::string("chat"));
  if (!record.provider.empty()) {
    add(attributes, "gen_ai.provider.name", system_of(record.provider));
    add(attributes, "gen_ai.system", system_of(record.provider)); // the name before semconv 1.37
  }
  add(attributes, "gen_ai.request.model", record.requested_model);
  add(attributes, "gen_ai.response.model", record.served_model);
  add(attributes, "gen_ai.conversation.id", record.session_id);
  add(attributes, "session.id", record.session_id); // Langfuse groups traces into sessions by it
  add(attributes, "http.request.method", std::string("POST"));
  add(attributes, "url.path", record.endpoint);
  if (record.http_status > 0) add(attributes, "http.response.status_code", int64_t{record.http_status});
  attributes.push_back({"llmgw.cost_usd", static_cast<double>(record.cost_usd_pico) / 1e12});
  add(attributes, "llmgw.agent", record.agent);
  add(attributes, "llmgw.project", record.project);
  add(attributes, "llmgw.key", record.key_name); // the virtual key's name; its secret is never here
  add(attributes, "llmgw.outcome", std::string(to_string(record.outcome)));
  add(attributes, "llmgw.provider", record.provider);
  add(attributes, "llmgw.usage_source", std::string(to_string(record.usage_source)));
  attributes.push_back({"llmgw.streamed", record.streamed});
  if (record.ttfb_ms >= 0) add(attributes, "llmgw.ttfb_ms", record.ttfb_ms);
  if (record.outcome != Outcome::ok) {
    add(attributes, "error.type", std::string(to_string(record.outcome)));
    fail(server, record.error_message.empty() ? std::string(to_string(record.outcome)) : record.error_message);
  }

  std::vector<Span> spans{server};
  if (no_upstream_try(record)) return spans;
  // Tries are laid end to end from the request's start (the waits between them are not
  // recorded); the one that served lasts until the request ended.
  std::vector<Attempt> tries = record.attempts;
  if (tries.empty()) tries.push_back({record.provider, record.model(), record.http_status, record.duration_ms, ""});
  const bool single = record.attempts.empty();
  uint64_t cursor = server.start_unix_ns;
  for (size_t i = 0; i < tries.size(); ++i) {
    const Attempt& attempt = tries[i];
    const bool served = single || attempt.error.empty();
    Span client;
    client.trace_id = server.trace_id;
    client.span_id = m_ids.span_id();
    client.parent_span_id = server.span_id;
    client.flags = k_sampled | k_parent_is_local;
    client.kind = SpanKind::client;
    client.name = "chat " + attempt.model;
    client.start_unix_ns = std::min(cursor, server.end_unix_ns);
    client.end_unix_ns =
        served ? server.end_unix_ns : std::min(client.start_unix_ns + unix_ns(attempt.latency_ms), server.end_unix_ns);
    cursor = client.end_unix_ns;
    auto& tried = client.attributes;
    add(tried, "gen_ai.operation.name", std::string("chat"));
    add(tried, "gen_ai.provider.name", system_of(attempt.provider));
    add(tried, "gen_ai.system", system_of(attempt.provider));
    add(tried, "gen_ai.request.model", attempt.model);
    add(tried, "llmgw.provider", attempt.provider);
    if (attempt.http_status > 0) add(tried, "http.response.status_code", int64_t{attempt.http_status});
    if (served) add_usage(tried, record);
    const bool failed = single ? record.outcome != Outcome::ok : !attempt.error.empty();
    if (failed) {
      add(tried, "error.type", attempt.http_status > 0 ? std::to_string(attempt.http_status) : "unreachable");
      fail(client, single ? server.status_message : attempt.error);
    }
    spans.push_back(std::move(client));
  }
  return spans;
}

} // namespace llmgw::core::telemetry
