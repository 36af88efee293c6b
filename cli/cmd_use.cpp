// `llmgw use`: switch where requests go without a restart. The choice lives in the database; a
// running server applies it to its next request (within a quarter second).
#include "cli/common.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace llmgw::cli {
namespace {

struct UseArgs {
  std::string target;
  std::string for_what;
  bool show = false;
  bool clear = false;
  bool json = false;
};

// Agents llmgw recognises: --for with one of these names matches the agent, not the model.
bool is_agent_name(const std::string& name) {
  for (const char* agent : {"claude-code", "codex", "aider", "opencode", "gemini-cli", "openai-sdk", "anthropic-sdk",
                            "ai-sdk", "curl", "unknown"})
    if (name == agent) return true;
  return false;
}

std::string describe(const core::policy::RouteOverride& route) {
  std::string scope = !route.agent.empty()       ? "agent " + route.agent
                      : route.model_glob.empty() ? std::string("all requests")
                                                 : "models matching '" + route.model_glob + "'";
  return scope + " -> " + route.target;
}

// The target must name something the config knows: a provider, provider/model or a [models] name.
void check_target(const core::config::Config& config, const std::string& target) {
  if (config.aliases.count(target) > 0 || config.find_provider(target) != nullptr) return;
  const size_t slash = target.find('/');
  if (slash != std::string::npos && config.find_provider(target.substr(0, slash)) != nullptr) return;
  std::string providers;
  for (const auto& provider : config.providers) providers += (providers.empty() ? "" : ", ") + provider.name;
  throw Error("'" + target + "' is neither a provider (" + (providers.empty() ? "none configured" : providers) +
              "), a PROVIDER/MODEL deployment, nor a name under [models]");
}

void run_use(const UseArgs& args, const GlobalOptions& options) {
  store::Db db(resolve_db_path(options));
  if (args.clear) {
    const int64_t removed = store::clear_overrides(db);
    if (options.quiet) return;
    std::printf("routing back to config.toml (%lld override%s removed)\n", static_cast<long long>(removed),
                removed == 1 ? "" : "s");
    return;
  }
  if (args.show || args.target.empty()) {
    const auto routes = store::list_overrides(db);
    if (args.json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto& route : routes)
        out.push_back(
            {{"id", route.id}, {"target", route.target}, {"model_glob", route.model_glob}, {"agent", route.agent}});
      std::printf("%s\n", out.dump(2).c_str());
      return;
    }
    if (routes.empty()) std::printf("no overrides: requests route as config.toml says\n");
    for (const auto& route : routes) std::printf("%s\n", describe(route).c_str());
    return;
  }
  const auto config = core::config::load_config({options.config_path, std::nullopt, std::nullopt});
  check_target(config, args.target);
  core::policy::RouteOverride route;
  route.target = args.target;
  if (is_agent_name(args.for_what))
    route.agent = args.for_what;
  else
    route.model_glob = args.for_what;
  store::set_override(db, route);
  if (options.quiet) return;
  std::printf("%s (a running server applies it to its next request)\n", describe(route).c_str());
}

} // namespace

void register_use(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<UseArgs>();
  auto* use = app.add_subcommand("use", "send requests to a provider, deployment or [models] name, live (no restart)");
  use->add_option("TARGET", args->target, "provider, PROVIDER/MODEL, or a name under [models]");
  use->add_option("--for", args->for_what,
                  "only models matching this glob (e.g. 'claude-*'), or one agent (e.g. codex)");
  auto* show = use->add_flag("--show", args->show, "print the overrides in force");
  auto* clear = use->add_flag("--clear", args->clear, "remove every override: route as config.toml says");
  show->excludes(clear);
  use->add_flag("--json", args->json, "with --show (or no TARGET): the overrides as JSON")->excludes(clear);
  use->callback([args, &options] { run_use(*args, options); });
}

} // namespace llmgw::cli
