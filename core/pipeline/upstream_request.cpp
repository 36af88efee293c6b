#include "core/pipeline/upstream_request.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <strings.h>
#include <vector>

namespace llmgw::core::pipeline {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Never forwarded: hop-by-hop headers, what the HTTP client sets itself, and encodings
// (llmgw reads every response, so upstreams must answer uncompressed).
constexpr std::array<std::string_view, 14> k_dropped_request{
    "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade",
    "content-length", "accept-encoding", "origin", "cookie", "proxy-authorization", "trailer",
    "expect"};

constexpr std::array<std::string_view, 2> k_credentials{"authorization", "x-api-key"};

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

httplib::Headers upstream_headers(const httplib::Headers& client, const config::ProviderConfig& provider) {
  httplib::Headers out;
  for (const auto& [name, value] : client) {
    if (listed(k_dropped_request, name)) continue;
    if (listed(k_credentials, name) && !provider.forward_client_auth) continue;
    out.emplace(name, value);
  }
  if (!provider.forward_client_auth && !provider.api_key.empty()) {
    if (provider.kind == config::ProviderKind::anthropic) out.emplace("x-api-key", provider.api_key);
    else out.emplace("Authorization", "Bearer " + provider.api_key);
  }
  if (provider.kind == config::ProviderKind::anthropic && out.find("anthropic-version") == out.end())
    out.emplace("anthropic-version", "2023-06-01");
  if (out.find("content-type") == out.end()) out.emplace("Content-Type", "application/json");
  return out;
}

void copy_response_headers(const httplib::Headers& upstream, httplib::Response& response) {
  for (const auto& [name, value] : upstream)
    if (!listed(k_dropped_response, name)) response.headers.emplace(name, value);
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
