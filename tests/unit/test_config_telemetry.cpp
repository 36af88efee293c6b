// [telemetry] in config.toml and the standard OTEL_* variables over it.
#include "config_test_support.hpp"
#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/error.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::config;
using llmgw::test::ScopedEnv;

namespace {

std::string parse_error(const std::string& text) {
  try {
    parse_config(text, "cfg.toml");
  } catch (const llmgw::Error& e) {
    return e.what();
  }
  return "";
}

void unset_otel(ScopedEnv& env) {
  for (const char* name : {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                           "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_SERVICE_NAME",
                           "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SDK_DISABLED"})
    env.unset(name);
}

} // namespace

TEST_CASE("config: [telemetry] is off by default and reads endpoint, headers, service_name and protocol") {
  CHECK_FALSE(parse_config("", "cfg.toml").telemetry.enabled());
  const Config config = parse_config("[telemetry]\nendpoint = \"https://cloud.langfuse.com/api/public/otel/\"\n"
                                     "service_name = \"my-gateway\"\nprotocol = \"http/protobuf\"\n"
                                     "[telemetry.headers]\nAuthorization = \"Basic ZmFrZTpmYWtl\"\n",
                                     "cfg.toml");
  const auto& telemetry = config.telemetry;
  CHECK(telemetry.enabled());
  CHECK(telemetry.url() == "https://cloud.langfuse.com/api/public/otel/v1/traces");
  CHECK(telemetry.service_name == "my-gateway");
  CHECK(telemetry.protocol == "http/protobuf");
  CHECK(telemetry.headers.at("Authorization") == "Basic ZmFrZTpmYWtl");
  // `config show` names the header, never its value.
  const auto* shown = config.find_origin("telemetry.headers");
  REQUIRE(shown);
  CHECK(shown->value == "Authorization (set)");
  CHECK(shown->origin == "cfg.toml:5");
}

TEST_CASE("config: [telemetry] mistakes are errors with the line") {
  CHECK(parse_error("[telemetry]\nendpont = \"http://x\"\n") ==
        "cfg.toml:2: unknown key 'endpont' in [telemetry] (did you mean 'endpoint'?)");
  CHECK(parse_error("[telemetry]\nprotocol = \"grpc\"\n") ==
        "cfg.toml:2: telemetry.protocol must be \"http/json\" or \"http/protobuf\", not 'grpc'");
  CHECK(parse_error("[telemetry]\nendpoint = \"localhost:4318\"\n") ==
        "cfg.toml:2: telemetry.endpoint 'localhost:4318' must start with http:// or https://");
  CHECK(parse_error("[telemetry.headers]\nAuthorization = 3\n").find("must be a string") != std::string::npos);
}

TEST_CASE("config: the OTEL_* variables override [telemetry]") {
  ScopedEnv env;
  unset_otel(env);
  Config config = parse_config("[telemetry]\nendpoint = \"http://file:4318\"\n", "cfg.toml");
  env.set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/");
  env.set("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Basic%20abc%3D,x-tenant = team-a");
  env.set("OTEL_SERVICE_NAME", "gw");
  env.set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
  detail::apply_telemetry_env(config);
  CHECK(config.telemetry.url() == "http://collector:4318/v1/traces");
  CHECK(config.telemetry.headers.at("Authorization") == "Basic abc=");
  CHECK(config.telemetry.headers.at("x-tenant") == "team-a");
  CHECK(config.telemetry.service_name == "gw");
  CHECK(config.telemetry.protocol == "http/protobuf");
  CHECK(config.find_origin("telemetry.headers")->value == "Authorization (set), x-tenant (set)");
  env.set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom");
  detail::apply_telemetry_env(config);
  CHECK(config.telemetry.url() == "http://traces:9999/custom");
  env.set("OTEL_SDK_DISABLED", "true");
  detail::apply_telemetry_env(config);
  CHECK_FALSE(config.telemetry.enabled());
}

TEST_CASE("config: a bad OTEL_* variable is an error that never shows a header value") {
  ScopedEnv env;
  unset_otel(env);
  Config config;
  env.set("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Basic c2VjcmV0,c2VjcmV0LXRvbw");
  std::string message;
  try {
    detail::apply_telemetry_env(config);
  } catch (const llmgw::Error& e) {
    message = e.what();
  }
  CHECK(message == "env OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not name=value");
  env.unset("OTEL_EXPORTER_OTLP_HEADERS");
  env.set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  CHECK_THROWS_AS(detail::apply_telemetry_env(config), llmgw::Error);
}
