#pragma once
// The servers under test, started as child processes: llmgw (pointed at the bench upstream with a
// generated config) and nginx (proxy_pass to the same upstream: the floor any proxy pays).
#include "tests/bench/bench_process.hpp"

#include <string>

namespace llmgw::bench {

// Files of one llmgw instance: config.toml, the token under XDG_CONFIG_HOME, and logs in dir.
struct GatewaySetup {
  std::string binary;
  std::string dir;
  int upstream_port = 0;
  bool caps = false; // give each database caps and a rate limit that every request is checked against
};

// Writes dir/config.toml for setup; call once before starting any instance.
void write_gateway_config(const GatewaySetup& setup);

// A running `llmgw serve` and what a client needs to call it.
struct RunningGateway {
  ChildProcess process;
  int port = 0;
  std::string token;
};

// Starts llmgw on a free port (its ledger db_name in the run's directory, or a postgres:// URL) and waits (up to 15 s)
// for its "listening on" line. Throws std::runtime_error with the tail of its stderr when it does not come up.
RunningGateway start_gateway(const GatewaySetup& setup, const std::string& db_name);

// Spawns llmgw on a free port and sends a real request (a small chat completion with the token
// from dir/token, proxied to the upstream) in a tight loop until one is answered 200: the
// milliseconds from spawn to the first served request, or -1 after 5 s. Stops it afterwards.
// Before any instance wrote the token it polls /healthz instead.
double time_to_first_request_ms(const GatewaySetup& setup, const std::string& db_name);

// A running nginx proxying everything to the upstream.
struct RunningNginx {
  ChildProcess process;
  int port = 0;
};

// Starts nginx (binary) with a generated config under dir/nginx. Throws std::runtime_error.
RunningNginx start_nginx(const std::string& binary, const std::string& dir, int upstream_port);

} // namespace llmgw::bench
