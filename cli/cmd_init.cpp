// `llmgw init`: write the commented starter config and create the gateway token.
#include "cli/common.hpp"
#include "core/config/config.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

namespace llmgw::cli {
namespace {

namespace config = core::config;

void run_init(const GlobalOptions& options, bool force, std::ostream& out) {
  const std::string path = config::resolve_config_path({options.config_path, {}, {}});
  config::write_config_file(path, config::starter_config(), force);
  out << "wrote " << path << "\n";
  const std::string token_path = config::token_path_for(path);
  const bool had_token = std::filesystem::exists(token_path);
  config::ensure_token(token_path);
  out << (had_token ? "kept the existing gateway token in " : "created the gateway token in ") << token_path
      << " (mode 0600)\n\n"
      << "next steps:\n"
      << "  1. export your provider keys (e.g. ANTHROPIC_API_KEY, OPENAI_API_KEY) or edit " << path << "\n"
      << "  2. llmgw config show       # check what llmgw will use\n"
      << "  3. llmgw serve\n"
      << "  4. in the agent's shell: eval \"$(llmgw env)\", then start claude, codex, aider ...\n";
}

} // namespace

void register_init(CLI::App& app, GlobalOptions& options) {
  auto* command = app.add_subcommand("init", "write a commented starter config and create the gateway token");
  auto force = std::make_shared<bool>(false);
  command->add_flag("--force", *force, "overwrite an existing config file");
  command->callback([&options, force] { run_init(options, *force, std::cout); });
}

} // namespace llmgw::cli
