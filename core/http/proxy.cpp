#include "core/http/proxy.hpp"

#include "core/http/tcp_probe.hpp"
#include "core/http/wire.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string_view>

namespace llmgw::core::http {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

const char* first_set(const EnvLookup& env, const char* lower_name, const char* upper_name) {
  const char* value = env(lower_name);
  if (value == nullptr || *value == '\0') value = env(upper_name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

} // namespace

const char* process_env(const char* name) { return std::getenv(name); }

std::optional<ProxySetting> parse_proxy_url(const std::string& url) {
  std::string rest(wire::trim(url));
  if (rest.empty()) return std::nullopt;
  if (const size_t scheme_end = rest.find("://"); scheme_end != std::string::npos) {
    if (!wire::iequals(std::string_view(rest).substr(0, scheme_end), "http")) return std::nullopt;
    rest = rest.substr(scheme_end + 3);
  }
  rest = rest.substr(0, rest.find('/')); // a trailing "/" or path means nothing for a proxy
  ProxySetting proxy;
  if (const size_t at = rest.rfind('@'); at != std::string::npos) {
    const std::string userinfo = rest.substr(0, at);
    const size_t colon = userinfo.find(':');
    proxy.user = httplib::detail::decode_url(userinfo.substr(0, colon), false);
    if (colon != std::string::npos) proxy.password = httplib::detail::decode_url(userinfo.substr(colon + 1), false);
    rest = rest.substr(at + 1);
  }
  const HostPort target = split_origin("http://" + rest);
  if (target.host.empty() || target.port.empty() ||
      !std::all_of(target.port.begin(), target.port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      target.port.size() > 5)
    return std::nullopt;
  proxy.host = target.host;
  proxy.port = std::stoi(target.port);
  if (proxy.port <= 0 || proxy.port > 65535) return std::nullopt;
  return proxy;
}

bool no_proxy_matches(const std::string& list, const std::string& host) {
  const std::string name = lower(host);
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    std::string entry = lower(std::string(wire::trim(std::string_view(list).substr(start, end - start))));
    start = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '[')
      entry = entry.substr(1, entry.find(']') - 1); // [::1]:443
    else if (std::count(entry.begin(), entry.end(), ':') == 1)
      entry = entry.substr(0, entry.find(':'));
    if (entry.rfind("*.", 0) == 0) entry = entry.substr(1);
    if (entry.front() == '.') entry = entry.substr(1);
    if (entry.empty()) continue;
    if (name == entry) return true;
    if (name.size() > entry.size() && name.compare(name.size() - entry.size(), entry.size(), entry) == 0 &&
        name[name.size() - entry.size() - 1] == '.')
      return true;
  }
  return false;
}

const char* https_proxy_url(const EnvLookup& env) { return first_set(env, "https_proxy", "HTTPS_PROXY"); }

std::optional<ProxySetting> https_proxy_for(const std::string& host, const EnvLookup& env) {
  const char* url = https_proxy_url(env);
  if (url == nullptr) return std::nullopt;
  if (const char* exempt = first_set(env, "no_proxy", "NO_PROXY"); exempt != nullptr && no_proxy_matches(exempt, host))
    return std::nullopt;
  return parse_proxy_url(url);
}

std::optional<ProxySetting> proxy_for_origin(const std::string& origin, const EnvLookup& env) {
  if (origin.rfind("https://", 0) != 0) return std::nullopt;
  return https_proxy_for(split_origin(origin).host, env);
}

} // namespace llmgw::core::http
