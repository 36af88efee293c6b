// `llmgw env`: shell lines that point Claude Code, Codex and the SDKs at the gateway.
#include "cli/common.hpp"
#include "cli/runtime_file.hpp"
#include "cli/server_api.hpp"
#include "core/config/config.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

namespace llmgw::cli {
namespace {

namespace config = core::config;

struct EnvOptions {
  std::string shell; // "" = from $SHELL
  std::optional<std::string> host;
  std::optional<int> port;
};

std::string detect_shell() {
  const char* shell = std::getenv("SHELL");
  const std::string path = shell ? shell : "";
  const std::string name = path.substr(path.find_last_of('/') + 1);
  return name == "fish" || name == "zsh" ? name : "bash";
}

void print_var(std::ostream& out, const std::string& shell, const std::string& name, const std::string& value) {
  if (shell == "fish")
    out << "set -gx " << name << " \"" << value << "\"\n";
  else
    out << "export " << name << "=\"" << value << "\"\n";
}

void run_env(const GlobalOptions& global, const EnvOptions& options, std::ostream& out) {
  const config::Config cfg = config::load_config({global.config_path, options.host, options.port});
  // The running server's address and token (`serve --port N` wins over the config's port);
  // --host / --port name another on purpose.
  const auto server = options.host || options.port ? std::nullopt : find_running_server(global);
  const std::string server_key = server ? server_token(*server) : "";
  const std::string token = !server_key.empty() ? server_key : config::ensure_token(cfg.token_path);
  const std::string shell = options.shell.empty() ? detect_shell() : options.shell;
  const std::string base = server ? server->base_url() : gateway_base_url(cfg.server.host, cfg.server.port);
  if (shell == "fish")
    out << "# point agents at llmgw: llmgw env --shell fish | source\n";
  else
    out << "# point agents at llmgw: eval \"$(llmgw env)\"\n";
  if (server)
    out << "# the running llmgw serve (pid " << server->pid << ")\n";
  else if (!options.host && !options.port)
    out << "# no llmgw serve is running: the address from the config\n";
  print_var(out, shell, "ANTHROPIC_BASE_URL", base);
  print_var(out, shell, "ANTHROPIC_AUTH_TOKEN", token);
  print_var(out, shell, "OPENAI_BASE_URL", base + "/v1");
  print_var(out, shell, "OPENAI_API_KEY", token);
  print_var(out, shell, "LLMGW_API_KEY", token);
}

} // namespace

void register_env(CLI::App& app, GlobalOptions& options) {
  auto* command = app.add_subcommand("env", "print export lines that point agents and SDKs at the gateway");
  auto env = std::make_shared<EnvOptions>();
  command->add_option("--shell", env->shell, "bash, zsh or fish (default: from $SHELL)")
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  command->add_option("--host", env->host, "gateway host (default: from the config)");
  command->add_option("--port", env->port, "gateway port (default: from the config)")->check(CLI::Range(1, 65535));
  command->callback([&options, env] { run_env(options, *env, std::cout); });
}

} // namespace llmgw::cli
