#include "cli/providers_view.hpp"

#include "cli/runtime_file.hpp"
#include "cli/server_api.hpp"
#include "core/config/config.hpp"
#include "core/pipeline/local_api.hpp"
#include "store/connection.hpp"
#include "store/settings.hpp"

#include <filesystem>
#include <fstream>

namespace llmgw::cli {
namespace {

std::string describe_key(const std::string& env, const std::string& state) {
  if (state == "missing") return env + " NOT SET";
  if (state == "gateway token") return env + " = llmgw token!";
  if (state == "virtual key") return env + " = llmgw key!";
  return env + " " + state;
}

ProviderLine line_of(const nlohmann::json& entry) {
  ProviderLine line;
  line.name = entry.value("name", "");
  line.kind = entry.value("kind", "");
  line.base_url = entry.value("base_url", "");
  line.is_default = entry.value("default", false);
  const std::string auth = entry.value("auth", "key");
  if (entry.contains("keys") && entry["keys"].is_array()) line.keys = entry["keys"];
  if (auth != "key") {
    line.key_text = auth == "client" ? "client's own" : "none needed";
    line.key_present = true;
    return line;
  }
  size_t set = 0, clashes = 0;
  for (const auto& key : line.keys) {
    const std::string state = key.value("state", "");
    set += state == "set" ? 1 : 0;
    clashes += state == "gateway token" || state == "virtual key" ? 1 : 0;
  }
  line.key_present = set > 0;
  if (line.keys.size() == 1)
    line.key_text = describe_key(line.keys[0].value("env", ""), line.keys[0].value("state", ""));
  else
    line.key_text = std::to_string(line.keys.size()) + " keys, " + std::to_string(set) + " set" +
                    (clashes > 0 ? ", " + std::to_string(clashes) + " = llmgw's!" : "");
  return line;
}

// The gateway token of this CLI's config, without creating one.
std::string local_token(const core::config::Config& config) {
  std::ifstream in(config.token_path);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

std::vector<ProviderLine> local_lines(const GlobalOptions& options, const std::string& db_path) {
  const auto config = core::config::load_config({options.config_path, std::nullopt, std::nullopt});
  core::policy::KeyRing keys;
  std::error_code error;
  if (store::is_postgres_url(db_path) || std::filesystem::exists(db_path, error)) {
    store::Db db(db_path);
    keys = core::policy::KeyRing(store::load_policy(db).keys);
  }
  return provider_lines(nlohmann::json::parse(core::pipeline::providers_view_json(config, local_token(config), keys)));
}

} // namespace

std::vector<ProviderLine> provider_lines(const nlohmann::json& answer) {
  std::vector<ProviderLine> lines;
  if (!answer.contains("providers") || !answer["providers"].is_array()) return lines;
  for (const auto& entry : answer["providers"])
    if (entry.is_object()) lines.push_back(line_of(entry));
  return lines;
}

ProvidersView providers_view(const GlobalOptions& options) {
  ProvidersView view;
  const auto server = find_running_server(options);
  view.db_path = server ? server->db_path : resolve_db_path(options);
  if (server) {
    if (const auto answer = server_get(*server, "/llmgw/api/providers")) {
      view.server = true;
      view.source =
          "keys as the running server sees them (pid " + std::to_string(server->pid) + ", " + server->base_url() + ")";
      view.providers = provider_lines(*answer);
      return view;
    }
    view.source = "the running server (pid " + std::to_string(server->pid) +
                  ") did not answer: keys as this shell sees them (local view)";
  } else {
    view.source = "no llmgw server is running: keys as this shell sees them (local view)";
  }
  view.providers = local_lines(options, view.db_path);
  return view;
}

} // namespace llmgw::cli
