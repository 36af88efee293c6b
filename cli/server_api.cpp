#include "cli/server_api.hpp"

#include "core/config/config.hpp"

#include <httplib.h>

namespace llmgw::cli {
namespace {

constexpr int k_timeout_seconds = 3;

httplib::Client client_for(const RunningServer& server) {
  httplib::Client client(server.base_url());
  client.set_connection_timeout(k_timeout_seconds, 0);
  client.set_read_timeout(k_timeout_seconds, 0);
  client.set_write_timeout(k_timeout_seconds, 0);
  return client;
}

} // namespace

std::string server_token(const RunningServer& server) {
  if (server.token_path.empty()) return "";
  try {
    return core::config::ensure_token(server.token_path);
  } catch (const std::exception&) {
    return "";
  }
}

std::optional<nlohmann::json> server_get(const RunningServer& server, const std::string& path) {
  const std::string token = server_token(server);
  if (token.empty()) return std::nullopt;
  auto client = client_for(server);
  auto reply = client.Get(path, httplib::Headers{{"Authorization", "Bearer " + token}});
  if (!reply || reply->status != 200) return std::nullopt;
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (body.is_discarded()) return std::nullopt;
  return body;
}

bool tell_server_settings_changed(const GlobalOptions& options) {
  const auto server = find_running_server(options);
  if (!server) return false;
  const std::string token = server_token(*server);
  if (token.empty()) return false;
  auto client = client_for(*server);
  auto reply =
      client.Post("/llmgw/api/reload", httplib::Headers{{"Authorization", "Bearer " + token}}, "", "application/json");
  return reply && reply->status == 200;
}

void after_command(const CLI::App& app, const GlobalOptions& options) {
  for (const auto* command : app.get_subcommands()) {
    const std::string& name = command->get_name();
    if (name == "key" || name == "cap" || name == "limit" || name == "use") {
      // Best effort: without an answer the server still applies the change within its poll
      // interval, and looks up a key it does not know before refusing it.
      tell_server_settings_changed(options);
      return;
    }
  }
}

} // namespace llmgw::cli
