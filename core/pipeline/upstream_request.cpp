#include "core/pipeline/upstream_request.hpp"

#include "core/http/wire.hpp"

#include "core/http/upstream_pool.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <strings.h>
#include <vector>

namespace llmgw::core::pipeline {
namespace {

using http::wire::iequals;

// Never forwarded: hop-by-hop headers, what the HTTP client sets itself, and encodings
// (llmgw reads every response, so upstreams must answer uncompressed).
constexpr std::array<std::string_view, 14> k_dropped_request{
    "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade",
    "content-length", "accept-encoding", "origin", "cookie", "proxy-authorization", "trailer",
    "expect"};

constexpr std::array<std::string_view, 4> k_credentials{"authorization", "x-api-key", "x-goog-api-key", "api-key"};

constexpr std::array<std::string_view, 9> k_dropped_response{
    "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding",
    "content-type", "set-cookie", "alt-svc", "server"};

template <size_t N> bool listed(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return iequals(n, name); });
}

struct Edit {
  size_t begin;
  size_t end;
  std::string text;
};

std::string apply_edits(std::string_view body, std::vector<Edit> edits) {
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  std::string out;
  size_t extra = 0;
  for (const auto& edit : edits) extra += edit.text.size();
  out.reserve(body.size() + extra);
  size_t at = 0;
  for (const auto& edit : edits) {
    out.append(body.substr(at, edit.begin - at));
    out.append(edit.text);
    at = edit.end;
  }
  out.append(body.substr(at));
  return out;
}

// An edit that makes stream_options.include_usage true, or nullopt when it already is.
std::optional<Edit> include_usage_edit(std::string_view body, const protocol::ScannedObject& scanned) {
  const auto* options = scanned.find("stream_options");
  if (options == nullptr) {
    size_t at = scanned.open_brace + 1;
    return Edit{at, at, R"("stream_options":{"include_usage":true},)"};
  }
  auto value = nlohmann::json::parse(body.substr(options->value_begin, options->value_end - options->value_begin),
                                     nullptr, false);
  if (!value.is_object()) value = nlohmann::json::object();
  if (value.value("include_usage", false)) return std::nullopt;
  value["include_usage"] = true;
  return Edit{options->value_begin, options->value_end, value.dump()};
}

} // namespace

httplib::Headers upstream_headers(const httplib::Headers& client, const config::ProviderConfig& provider,
                                  const std::string& api_key) {
  httplib::Headers out;
  const bool anthropic = provider.kind == config::ProviderKind::anthropic;
  for (const auto& [name, value] : client) {
    if (listed(k_dropped_request, name)) continue;
    if (listed(k_credentials, name) && !provider.forward_client_auth) continue;
    // anthropic-version / anthropic-beta mean nothing to other providers (a translated request).
    if (!anthropic && name.size() > 10 && ::strncasecmp(name.c_str(), "anthropic-", 10) == 0) continue;
    out.emplace(name, value);
  }
  if (!provider.forward_client_auth && !api_key.empty()) {
    switch (provider.kind) {
    case config::ProviderKind::anthropic: out.emplace("x-api-key", api_key); break;
    case config::ProviderKind::gemini: out.emplace("x-goog-api-key", api_key); break;
    case config::ProviderKind::azure: out.emplace("api-key", api_key); break;
    case config::ProviderKind::openai:
    case config::ProviderKind::openai_compatible: out.emplace("Authorization", "Bearer " + api_key); break;
    }
  }
  if (provider.kind == config::ProviderKind::anthropic && out.find("anthropic-version") == out.end())
    out.emplace("anthropic-version", "2023-06-01");
  if (out.find("content-type") == out.end()) out.emplace("Content-Type", "application/json");
  return out;
}

std::string wire_model(const config::ProviderConfig& provider, const std::string& model) {
  if (provider.kind != config::ProviderKind::azure) return model;
  auto it = provider.deployments.find(model);
  return it == provider.deployments.end() ? model : it->second;
}

namespace {

// The client's query without a Gemini ?key= (it carries the llmgw token, not the provider's key).
std::string query_without_key(std::string_view query) {
  if (query.empty()) return {};
  std::string out;
  size_t at = 1; // past '?'
  while (at <= query.size()) {
    size_t end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    auto param = query.substr(at, end - at);
    if (!param.empty() && param.substr(0, 4) != "key=") out += (out.empty() ? "?" : "&") + std::string(param);
    at = end + 1;
  }
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

} // namespace

std::string upstream_path(const config::ProviderConfig& provider, protocol::ApiFormat format, const Endpoint& endpoint,
                          const std::string& model, bool stream, std::string_view client_query, bool passthrough) {
  using protocol::ApiFormat;
  const std::string prefix = http::split_base_url(provider.base_url).path_prefix;
  const std::string query = passthrough ? std::string(client_query) : std::string();
  switch (format) {
  case ApiFormat::anthropic:
    return prefix + (endpoint.count_tokens ? "/v1/messages/count_tokens" : "/v1/messages") + query;
  case ApiFormat::gemini: {
    const char* method = endpoint.count_tokens ? "countTokens" : stream ? "streamGenerateContent" : "generateContent";
    std::string gemini_query = query_without_key(query);
    // Without alt=sse Gemini streams one JSON array instead of events (PROTOCOLS.md §6.1).
    if (stream && gemini_query.find("alt=sse") == std::string::npos) gemini_query += gemini_query.empty() ? "?alt=sse" : "&alt=sse";
    const bool versioned = ends_with(prefix, "/v1beta") || ends_with(prefix, "/v1");
    return prefix + (versioned ? "" : "/v1beta") + "/models/" + model + ":" + method + gemini_query;
  }
  case ApiFormat::openai_chat:
  case ApiFormat::openai_responses: break;
  }
  const char* suffix = format == ApiFormat::openai_chat ? "/chat/completions" : "/responses";
  if (provider.kind == config::ProviderKind::azure && !provider.api_version.empty()) {
    const std::string version = "?api-version=" + provider.api_version;
    if (format == ApiFormat::openai_responses) return prefix + suffix + version;
    return prefix + "/deployments/" + wire_model(provider, model) + suffix + version;
  }
  return prefix + suffix + query;
}

void copy_response_headers(const httplib::Headers& upstream, httplib::Response& response) {
  for (const auto& [name, value] : upstream)
    if (!listed(k_dropped_response, name)) response.headers.emplace(name, value);
}

void move_response_headers(httplib::Headers&& upstream, httplib::Response& response) {
  std::erase_if(upstream, [](const auto& header) { return listed(k_dropped_response, header.first); });
  response.headers.merge(upstream); // moves the nodes: nothing is allocated or copied
}

RewrittenBody rewrite_body(std::string_view body, const protocol::ScannedObject& scanned,
                           std::string_view upstream_model, bool force_include_usage) {
  std::vector<Edit> edits;
  if (const auto* model = scanned.find("model")) {
    auto current = protocol::string_value(body, *model);
    if (!current || *current != upstream_model)
      edits.push_back({model->value_begin, model->value_end, protocol::json_quote(upstream_model)});
  }
  bool injected = false;
  if (force_include_usage) {
    if (auto edit = include_usage_edit(body, scanned)) {
      edits.push_back(std::move(*edit));
      injected = true;
    }
  }
  if (edits.empty()) return RewrittenBody{std::string(body), false};
  return RewrittenBody{apply_edits(body, std::move(edits)), injected};
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[redacted]");
  return text;
}

} // namespace llmgw::core::pipeline
