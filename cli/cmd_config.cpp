// `llmgw config show|path`: the effective configuration, each value with its origin.
#include "cli/common.hpp"
#include "cli/providers_view.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"
#include "store/connection.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

namespace llmgw::cli {
namespace {

namespace config = core::config;

// "set", "not set", or per variable when a provider has several keys, as config.cpp words them.
std::string keys_state(const ProviderLine& provider) {
  std::string text;
  for (const auto& key : provider.keys) {
    std::string state = key.value("state", "");
    if (state == "missing") state = "not set";
    if (state == "gateway token") state = "is the llmgw gateway token!";
    if (state == "virtual key") state = "is a llmgw virtual key!";
    if (!text.empty()) text += ", ";
    text += (provider.keys.size() > 1 ? key.value("env", "") + " " : "") + state;
  }
  return text;
}

// The provider keys as the running server sees them replace this shell's view (the server holds
// the keys; the shell that runs `llmgw env` holds the gateway token instead).
std::string apply_server_view(config::Config& cfg, const GlobalOptions& options) {
  const ProvidersView view = providers_view(options);
  if (!view.server) return view.source;
  for (const auto& provider : view.providers) {
    if (provider.keys.empty()) continue;
    for (auto& entry : cfg.origins)
      if (entry.key == "providers." + provider.name + ".key") {
        entry.value = keys_state(provider);
        entry.origin = "running server";
      }
  }
  return view.source;
}

void print_json(const config::Config& cfg, std::ostream& out) {
  nlohmann::ordered_json doc;
  doc["config_file"] = cfg.file_path.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(cfg.file_path);
  doc["inferred"] = cfg.inferred;
  doc["token_file"] = cfg.token_path;
  auto& values = doc["values"] = nlohmann::ordered_json::array();
  for (const auto& entry : cfg.origins)
    values.push_back({{"key", entry.key}, {"value", entry.value}, {"origin", entry.origin}});
  out << doc.dump(2) << "\n";
}

void print_text(const config::Config& cfg, const std::string& path, std::ostream& out) {
  if (cfg.file_path.empty())
    out << "config file: none — inferred from the environment (would read " << path << ")\n";
  else
    out << "config file: " << cfg.file_path << "\n";
  out << "token file:  " << cfg.token_path << "\n\n";
  size_t key_width = 0;
  size_t value_width = 0;
  for (const auto& entry : cfg.origins) {
    key_width = std::max(key_width, entry.key.size());
    value_width = std::max(value_width, entry.value.size());
  }
  value_width = std::min<size_t>(value_width, 48); // long model lists would push origins off-screen
  for (const auto& entry : cfg.origins) {
    const std::string value = entry.value.empty() ? "\"\"" : entry.value;
    out << entry.key << std::string(key_width - entry.key.size() + 2, ' ') << value;
    out << std::string(value.size() < value_width ? value_width - value.size() + 2 : 2, ' ');
    out << "(" << entry.origin << ")\n";
  }
}

} // namespace

void register_config(CLI::App& app, GlobalOptions& options) {
  auto* command = app.add_subcommand("config", "show the effective configuration or its path");
  command->require_subcommand(1);
  auto* show = command->add_subcommand("show", "print every value with where it came from (keys never shown)");
  auto json = std::make_shared<bool>(false);
  show->add_flag("--json", *json, "print JSON");
  show->callback([&options, json] {
    config::Overrides overrides{options.config_path, {}, {}};
    if (!options.db_path.empty()) overrides.db = options.db_path;
    config::Config cfg = config::load_config(overrides);
    // The store URL is shown without its password.
    cfg.store.url = store::redact_url(cfg.store.url);
    if (const config::ValueOrigin* url = cfg.find_origin("store.url"))
      cfg.set_origin("store.url", store::redact_url(url->value), url->origin);
    // A store that cannot be read (a PostgreSQL server down) leaves the rest of the view intact.
    std::string keys_view;
    try {
      keys_view = apply_server_view(cfg, options);
    } catch (const Error& e) {
      keys_view = std::string("unknown: ") + e.what();
    }
    if (*json) {
      print_json(cfg, std::cout);
    } else {
      print_text(cfg, config::resolve_config_path(overrides), std::cout);
      std::cout << "\nprovider keys: " << keys_view << "\n";
    }
  });
  auto* path = command->add_subcommand("path", "print the config file path");
  path->callback([&options] { std::cout << config::resolve_config_path({options.config_path, {}, {}}) << "\n"; });
}

} // namespace llmgw::cli
