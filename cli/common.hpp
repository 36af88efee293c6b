#pragma once
// Options every subcommand shares, and the registration functions of each subcommand.
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace llmgw::cli {

struct GlobalOptions {
  std::string config_path; // --config; "" = LLMGW_CONFIG or the XDG default
  std::string db_path;     // --db; "" = LLMGW_DB or the XDG default
};

// The database path after --db, LLMGW_DB and the XDG default.
std::string resolve_db_path(const GlobalOptions& options);

// "http://127.0.0.1:8787": the URL clients dial for a server bound to host:port (a wildcard
// listen address is reached through loopback).
std::string gateway_base_url(const std::string& host, int port);

// True for a listen address only this machine reaches: 127.0.0.0/8, ::1 (bracketed or not) and
// "localhost". A wildcard (0.0.0.0, ::), any other address and any other host name are false.
bool is_loopback_host(std::string_view host);

void register_serve(CLI::App& app, GlobalOptions& options);
void register_usage(CLI::App& app, GlobalOptions& options);
void register_log(CLI::App& app, GlobalOptions& options);
void register_init(CLI::App& app, GlobalOptions& options);
void register_env(CLI::App& app, GlobalOptions& options);
void register_config(CLI::App& app, GlobalOptions& options);
void register_prices(CLI::App& app, GlobalOptions& options);
void register_cap(CLI::App& app, GlobalOptions& options);
void register_limit(CLI::App& app, GlobalOptions& options);
void register_key(CLI::App& app, GlobalOptions& options);
void register_run(CLI::App& app, GlobalOptions& options);
void register_use(CLI::App& app, GlobalOptions& options);
void register_providers(CLI::App& app, GlobalOptions& options);
void register_ledger(CLI::App& app, GlobalOptions& options);

// Thrown by a subcommand to end the program with this exit code (after printing what it had to).
struct ExitCode {
  int code;
};

} // namespace llmgw::cli
