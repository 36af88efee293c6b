// `llmgw help [CMD [SUB]]`: the help of llmgw or of one of its commands.
#include "cli/common.hpp"
#include "cli/suggest.hpp"

#include <cstdio>
#include <memory>

namespace llmgw::cli {

void register_help(CLI::App& app) {
  auto words = std::make_shared<std::vector<std::string>>();
  auto* help = app.add_subcommand("help", "show the help of llmgw or of a command: llmgw help [CMD [SUBCMD]]");
  help->add_option("command", *words, "a command, and a subcommand of it (e.g. `llmgw help cap set`)");
  help->callback([&app, words] {
    CLI::App* target = &app;
    std::string path = "llmgw";
    for (const std::string& word : *words) {
      CLI::App* found = nullptr;
      std::vector<std::string> known;
      for (CLI::App* sub : target->get_subcommands([](CLI::App*) { return true; })) {
        known.push_back(sub->get_name());
        if (sub->check_name(word)) found = sub;
      }
      if (found == nullptr)
        throw CLI::ValidationError("unknown command '" + word + "' for '" + path + "'" + did_you_mean(word, known));
      target = found;
      path += " " + word;
    }
    // Not target->help(): the app's would show the help of its parsed subcommand, `help` itself.
    std::fputs(target->get_formatter()->make_help(target, path, CLI::AppFormatMode::Normal).c_str(), stdout);
  });
}

} // namespace llmgw::cli
