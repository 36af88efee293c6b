// llmgw: wires the subcommands together; all behaviour lives in the libraries.
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
  GlobalOptions options;
  app.add_option("--config", options.config_path,
                 "config file (default: $LLMGW_CONFIG or ~/.config/llmgw/config.toml)");
  app.add_option("--db", options.db_path, "database file (default: $LLMGW_DB or ~/.local/share/llmgw/llmgw.db)");
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
  register_manpage(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ExitCode& e) {
    return e.code;
  } catch (const llmgw::Error& e) {
    std::fprintf(stderr, "llmgw: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmgw: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
