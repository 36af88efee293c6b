// llmgw: wires the subcommands together; all behaviour lives in the libraries.
#include "cli/cmd_dashboard.hpp"
#include "cli/cmd_manpage.hpp"
#include "cli/common.hpp"
#include "core/error.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  using namespace llmgw::cli;
  CLI::App app{"llmgw - a local gateway for coding agents and LLM SDKs", "llmgw"};
  app.set_version_flag("--version", std::string("llmgw ") + LLMGW_VERSION);
  app.require_subcommand(1);
  app.fallthrough(); // inherited by every subcommand: global options work after them too
  GlobalOptions options;
  add_global_options(app, options);
  register_serve(app, options);
  register_usage(app, options);
  register_log(app, options);
  register_init(app, options);
  register_env(app, options);
  register_config(app, options);
  register_prices(app, options);
  register_cap(app, options);
  register_limit(app, options);
  register_key(app, options);
  register_run(app, options);
  register_use(app, options);
  register_providers(app, options);
  register_ledger(app, options);
  register_status(app, options);
  register_service(app, options);
  register_dashboard(app, options);
  register_manpage(app);
  register_help(app);
  register_completion(app);
  return run_app(app, options, argc, argv);
}
