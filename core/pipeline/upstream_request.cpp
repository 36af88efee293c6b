#include "core/pipeline/upstream_request.hpp"

#include "core/http/wire.hpp"
#include "core/providers/provider.hpp"
#include "core/providers/request_safety.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <vector>

namespace llmgw::core::pipeline {
namespace {

using http::wire::iequals;

// Never forwarded: hop-by-hop headers, what the HTTP client sets itself, and encodings
// (llmgw reads every response, so upstreams must answer uncompressed).
constexpr std::array<std::string_view, 14> k_dropped_request{
    "host",           "connection",      "keep-alive", "proxy-connection", "transfer-encoding",   "te",      "upgrade",
    "content-length", "accept-encoding", "origin",     "cookie",           "proxy-authorization", "trailer", "expect"};

constexpr std::array<std::string_view, 4> k_credentials{"authorization", "x-api-key", "x-goog-api-key", "api-key"};

constexpr std::array<std::string_view, 9> k_dropped_response{"connection",     "keep-alive",       "transfer-encoding",
                                                             "content-length", "content-encoding", "content-type",
                                                             "set-cookie",     "alt-svc",          "server"};

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
  auto value = protocol::parse_json(body.substr(options->value_begin, options->value_end - options->value_begin));
  if (!value.is_object()) value = nlohmann::json::object();
  // Anything but a JSON true ("yes", 1, null) is not a request for usage: it becomes true, and
  // the usage chunk stays hidden from the client as when it did not ask.
  auto asked = value.find("include_usage");
  if (asked != value.end() && asked->is_boolean() && asked->get<bool>()) return std::nullopt;
  value["include_usage"] = true;
  return Edit{options->value_begin, options->value_end,
              value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

} // namespace

httplib::Headers upstream_headers(const httplib::Headers& client, const config::ProviderConfig& provider,
                                  const std::string& api_key) {
  const auto& adapter = providers::adapter_for(provider.kind);
  // The headers in the map's order: the client's kept ones in its map's order, each added one
  // after every name it sorts after or equals (where the map puts a name inserted later). Reused
  // by every request this thread prepares (no fiber yields in here).
  thread_local std::vector<http::wire::NameValue> reused;
  thread_local std::string reused_auth;
  std::vector<http::wire::NameValue>& lines = reused;
  std::string& auth = reused_auth;
  lines.clear();
  for (const auto& [name, value] : client) {
    if (listed(k_dropped_request, name)) continue;
    if (listed(k_credentials, name) && !provider.forward_client_auth) continue;
    if (!adapter.forwards_header(name)) continue;
    // A CR, LF or NUL would end the header early at the provider and start another header (or
    // request) there. No client sends one: the header is dropped, the request goes on.
    if (!providers::safe_header_name(name) || !providers::safe_header_value(value)) continue;
    lines.push_back({name, value});
  }
  auto add = [&lines](std::string_view name, std::string_view value) {
    auto at = std::find_if(lines.begin(), lines.end(),
                           [&](const http::wire::NameValue& line) { return http::wire::iless(name, line.name); });
    lines.insert(at, {name, value});
  };
  auto has = [&lines](std::string_view name) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const http::wire::NameValue& line) { return http::wire::iequals(line.name, name); });
  };
  if (!provider.forward_client_auth && !api_key.empty() && providers::safe_header_value(api_key)) {
    const auto header = adapter.auth_header();
    auth.assign(header.prefix);
    auth.append(api_key);
    add(header.name, auth);
  }
  if (const auto required = adapter.required_header(); !required.name.empty() && !has(required.name))
    add(required.name, required.value);
  if (!has("content-type")) add("Content-Type", "application/json");
  // As llmgw's own client writes them when absent; httplib's (https://) would add its own.
  if (!has("accept")) add("Accept", "*/*");
  if (!has("user-agent")) add("User-Agent", "llmgw/" LLMGW_VERSION);
  // The same names as a request this thread prepared before (an agent sends the same headers
  // each time): that request's map, its values replaced. Else a map made in order, one
  // comparison a header.
  httplib::Headers out;
  if (!http::wire::take_kept_headers(out, lines))
    for (const auto& line : lines) http::wire::append_header(out, line.name, line.value);
  if (auth.capacity() > 1024) auth = std::string(); // a hostile key does not stay with the thread
  return out;
}

std::string wire_model(const config::ProviderConfig& provider, const std::string& model) {
  return providers::adapter_for(provider.kind).wire_model(provider, model);
}

std::string upstream_path(const config::ProviderConfig& provider, protocol::ApiFormat format, const Endpoint& endpoint,
                          const std::string& model, bool stream, std::string_view client_query, bool passthrough) {
  const providers::PathRequest request{format, model, stream, endpoint.count_tokens,
                                       passthrough ? client_query : std::string_view()};
  return providers::adapter_for(provider.kind).path(provider, request);
}

void copy_response_headers(const httplib::Headers& upstream, httplib::Response& response) {
  for (const auto& [name, value] : upstream)
    if (!listed(k_dropped_response, name)) http::wire::append_header(response.headers, name, value);
}

void move_response_headers(httplib::Headers&& upstream, httplib::Response& response) {
  for (auto at = upstream.begin(); at != upstream.end();)
    at = listed(k_dropped_response, at->first) ? http::wire::erase_header(upstream, at) : std::next(at);
  // Moves the nodes: nothing is allocated or copied (a swap when nothing was there yet, without a
  // comparison).
  if (response.headers.empty())
    response.headers.swap(upstream);
  else
    response.headers.merge(upstream);
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
