#include "core/providers/common.hpp"

#include "core/http/upstream_pool.hpp"
#include "core/http/wire.hpp"
#include "core/providers/request_safety.hpp"

#include <strings.h>

namespace llmgw::core::providers::detail {

std::string path_prefix(const config::ProviderConfig& provider) {
  return std::string(http::split_base_url(provider.base_url).path_prefix);
}

protocol::ApiFormat openai_format(const config::ProviderConfig& provider, protocol::ApiFormat client) {
  if (client == protocol::ApiFormat::openai_responses && provider.responses_api) return client;
  return protocol::ApiFormat::openai_chat;
}

std::string openai_path(const config::ProviderConfig& provider, const PathRequest& request) {
  const char* suffix = request.format == protocol::ApiFormat::openai_responses ? "/responses" : "/chat/completions";
  return path_prefix(provider) + suffix + forwarded_query(request.query, false);
}

bool is_anthropic_header(std::string_view name) {
  return name.size() > 10 && ::strncasecmp(name.data(), "anthropic-", 10) == 0;
}

std::string key_trouble(int status, std::string_view body, std::initializer_list<std::string_view> quota_phrases) {
  if (status < 400) return "";
  if (status == 401 || status == 403) return "refused (HTTP " + std::to_string(status) + ")";
  if (status == 402) return "out of credit (HTTP 402)";
  for (std::string_view phrase : quota_phrases)
    if (body.find(phrase) != std::string_view::npos) return "out of quota (HTTP " + std::to_string(status) + ")";
  if (status == 429) return "rate limited (HTTP 429)";
  return "";
}

} // namespace llmgw::core::providers::detail

namespace llmgw::core::providers {

void Adapter::add_auth(httplib::Headers& headers, std::string_view key) const {
  const AuthHeader auth = auth_header();
  http::wire::insert_header(headers, auth.name, {auth.prefix, key});
}

void Adapter::add_required_headers(httplib::Headers& headers) const {
  const RequiredHeader required = required_header();
  if (!required.name.empty() && !http::wire::has_header(headers, required.name))
    http::wire::insert_header(headers, required.name, {required.value});
}

} // namespace llmgw::core::providers
