#pragma once
// Options every subcommand shares, and the registration functions of each subcommand.
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace llmgw::cli {

struct GlobalOptions {
  std::string config_path; // --config; "" = LLMGW_CONFIG or the XDG default
  std::string db_path;     // --db; "" = LLMGW_DB or the XDG default
  bool wide = false;       // --wide: tables in their full layout whatever the terminal's width
  bool no_color = false;   // --no-color (NO_COLOR does the same)
  bool quiet = false;      // -q, --quiet: no confirmations, notes or footnotes; data and errors only
};

// Register --config, --db, --wide, --no-color and --quiet on the app; with app.fallthrough() they
// work after any subcommand too (cli/app_run.cpp).
void add_global_options(CLI::App& app, GlobalOptions& options);
// `llmgw help [CMD [SUB]]` and `llmgw completion bash|zsh|fish` (cli/help.cpp, cli/completion.cpp).
void register_help(CLI::App& app);
void register_completion(CLI::App& app);
// Parse and run; usage errors print what went wrong (with "did you mean ...?") and exit 2,
// failures exit 1, ExitCode its code (cli/app_run.cpp).
int run_app(CLI::App& app, GlobalOptions& options, int argc, char** argv);

// The database after --db, LLMGW_DB, the config's [store] url and the XDG default: a SQLite file
// path or a postgres:// URL.
std::string resolve_db_path(const GlobalOptions& options);
// The database as messages show it: a URL without its password.
std::string display_db(const std::string& location);

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
void register_status(CLI::App& app, GlobalOptions& options);
void register_service(CLI::App& app, GlobalOptions& options);
void register_ledger(CLI::App& app, GlobalOptions& options);

// Thrown by a subcommand to end the program with this exit code (after printing what it had to).
struct ExitCode {
  int code;
};

} // namespace llmgw::cli
