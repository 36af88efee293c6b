// Parsing the command line and turning what goes wrong into messages and exit codes: 0 done, 1 a
// failure, 2 a usage error (an unknown command or option, a missing or malformed argument),
// and a command's own codes (`usage --check`, `run`).
#include "cli/common.hpp"
#include "cli/server_api.hpp"
#include "cli/suggest.hpp"
#include "cli/table.hpp"
#include "core/error.hpp"

#include <cstdio>
#include <exception>
#include <optional>

namespace llmgw::cli {
namespace {

constexpr int k_usage_error = 2;

CLI::App* find_subcommand(CLI::App* app, const std::string& name) {
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; }))
    if (sub->check_name(name)) return sub;
  return nullptr;
}

const CLI::Option* find_option(const std::vector<CLI::App*>& chain, const std::string& name) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (const CLI::Option* option = (*it)->get_option_no_throw(name); option != nullptr) return option;
  return nullptr;
}

bool has_positionals(CLI::App* app) {
  for (const CLI::Option* option : app->get_options())
    if (option->get_positional()) return true;
  return false;
}

std::string command_path(const std::vector<CLI::App*>& chain) {
  std::string path;
  for (CLI::App* app : chain) path += (path.empty() ? "" : " ") + app->get_name();
  return path;
}

// Walk the words as CLI11 would and name the first unknown command or option, with the nearest
// known one; nullopt when every word is known (the error is then about values).
std::optional<std::string> diagnose(CLI::App& app, const std::vector<std::string>& words) {
  std::vector<CLI::App*> chain{&app};
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") break;
    if (word.size() > 1 && word[0] == '-') {
      const bool is_long = word.size() > 2 && word[1] == '-';
      const std::string name = is_long ? word.substr(0, word.find('=')) : word.substr(0, 2);
      const CLI::Option* option = find_option(chain, name);
      if (option == nullptr) {
        std::vector<std::string> known;
        for (CLI::App* level : chain)
          for (const CLI::Option* candidate : level->get_options()) {
            for (const std::string& l : candidate->get_lnames()) known.push_back("--" + l);
            for (const std::string& s : candidate->get_snames()) known.push_back("-" + s);
          }
        return "unknown option '" + name + "' for '" + command_path(chain) + "'" + did_you_mean(name, known);
      }
      const bool inline_value = is_long ? word.find('=') != std::string::npos : word.size() > 2;
      if (!inline_value && option->get_items_expected_max() > 0 && option->get_type_size_max() > 0) ++i;
      continue;
    }
    if (CLI::App* sub = find_subcommand(chain.back(), word); sub != nullptr) {
      chain.push_back(sub);
      continue;
    }
    const auto subs = chain.back()->get_subcommands([](CLI::App*) { return true; });
    if (!subs.empty() && !has_positionals(chain.back())) {
      std::vector<std::string> known;
      for (CLI::App* sub : subs) known.push_back(sub->get_name());
      return "unknown command '" + word + "' for '" + command_path(chain) + "'" + did_you_mean(word, known);
    }
  }
  return std::nullopt;
}

// The deepest subcommand the words name, for the "see `llmgw help ...`" hint.
std::string help_hint(CLI::App& app, const std::vector<std::string>& words) {
  std::vector<CLI::App*> chain{&app};
  for (const std::string& word : words)
    if (CLI::App* sub = find_subcommand(chain.back(), word); sub != nullptr) chain.push_back(sub);
  std::string path = command_path(chain);
  return path == "llmgw" ? "llmgw help" : "llmgw help" + path.substr(5);
}

int usage_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  std::string message = diagnose(app, words).value_or(error.what());
  if (message == "A subcommand is required") message = "a command is required";
  std::fprintf(stderr, "llmgw: error: %s\nsee `%s` for usage\n", message.c_str(), help_hint(app, words).c_str());
  return k_usage_error;
}

} // namespace

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--config", options.config_path,
                 "config file (default: $LLMGW_CONFIG or ~/.config/llmgw/config.toml)");
  app.add_option("--db", options.db_path, "database file (default: $LLMGW_DB or ~/.local/share/llmgw/llmgw.db)");
  app.add_flag("--wide", options.wide, "tables in their full layout, whatever the terminal's width");
  app.add_flag("--no-color", options.no_color, "no colour (also when NO_COLOR is set or stdout is not a terminal)");
  app.add_flag("-q,--quiet", options.quiet, "print data and errors only: no confirmations, notes or footnotes");
  bind_output_flags(options.wide, options.no_color);
}

int run_app(CLI::App& app, GlobalOptions& options, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    after_command(app, options); // a settings change is in force on the running server now
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
    return usage_error(app, e, argc, argv);
  } catch (const ExitCode& e) {
    return e.code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmgw: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

} // namespace llmgw::cli
