// The OTEL_* environment layer of [telemetry], as the OpenTelemetry SDKs read it.
#include "core/config/config_detail.hpp"
#include "core/error.hpp"

namespace llmgw::core::config::detail {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// OTEL_EXPORTER_OTLP_HEADERS values are percent-encoded (W3C baggage format).
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// "name1=value1,name2=value2"; a pair without '=' is an error that names the pair's position only
// (the text may hold a secret).
std::map<std::string, std::string> parse_headers(std::string_view text, const std::string& origin) {
  std::map<std::string, std::string> headers;
  size_t position = 0;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view pair = text.substr(start, end - start);
    ++position;
    if (!trimmed(pair).empty()) {
      const size_t equals = pair.find('=');
      if (equals == std::string_view::npos || trimmed(pair.substr(0, equals)).empty())
        throw Error(origin + ": entry " + std::to_string(position) + " is not name=value");
      headers[percent_decoded(trimmed(pair.substr(0, equals)))] = percent_decoded(trimmed(pair.substr(equals + 1)));
    }
    start = end + 1;
  }
  return headers;
}

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void check_url(const std::string& url, const std::string& origin) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw Error(origin + ": '" + url + "' must start with http:// or https://");
}

} // namespace

void apply_telemetry_env(Config& config) {
  auto& telemetry = config.telemetry;
  const auto take = [&config](const char* name, const std::string& key, std::string& field, bool url) {
    const std::string value = env_value(name);
    if (value.empty()) return false;
    field = url ? without_trailing_slashes(value) : value;
    if (url) check_url(field, std::string("env ") + name);
    config.set_origin(key, field, std::string("env ") + name);
    return true;
  };
  take("OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry.endpoint", telemetry.endpoint, true);
  take("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "telemetry.traces_url", telemetry.traces_url, true);
  take("OTEL_SERVICE_NAME", "telemetry.service_name", telemetry.service_name, false);
  if (!take("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "telemetry.protocol", telemetry.protocol, false))
    take("OTEL_EXPORTER_OTLP_PROTOCOL", "telemetry.protocol", telemetry.protocol, false);
  if (telemetry.protocol != "http/json" && telemetry.protocol != "http/protobuf") {
    const auto* origin = config.find_origin("telemetry.protocol");
    throw Error((origin ? origin->origin : std::string("telemetry.protocol")) + ": '" + telemetry.protocol +
                "' is not supported; llmgw sends traces as \"http/protobuf\" or \"http/json\"");
  }
  for (const char* name : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
    const std::string value = env_value(name);
    if (value.empty()) continue;
    std::string shown;
    for (auto& [header, header_value] : parse_headers(value, std::string("env ") + name)) {
      telemetry.headers[header] = std::move(header_value);
      shown += (shown.empty() ? "" : ", ") + header + " (set)";
    }
    config.set_origin("telemetry.headers", shown, std::string("env ") + name);
  }
  if (env_value("OTEL_SDK_DISABLED") == "true") {
    telemetry.endpoint.clear();
    telemetry.traces_url.clear();
    config.set_origin("telemetry.endpoint", "", "env OTEL_SDK_DISABLED");
  }
}

} // namespace llmgw::core::config::detail
