#pragma once
// The CLI's side of the loopback API (core/pipeline/local_api.hpp): ask the running server for its
// status and its view of the provider keys, and tell it to apply the settings the CLI changed.
#include "cli/runtime_file.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace llmgw::cli {

// The gateway token of that server (from its token file); "" when it cannot be read.
std::string server_token(const RunningServer& server);

// GET path on the server with its token; the JSON answer, nullopt when it did not answer 200.
std::optional<nlohmann::json> server_get(const RunningServer& server, const std::string& path);

// Make the running server (if any) apply the stored keys, caps, limits and `use` overrides now,
// waiting for its answer. False when no server runs or it did not confirm.
bool tell_server_settings_changed(const GlobalOptions& options);

// Called by main once a subcommand ran: after one that changes settings (key, cap, limit, use) the
// running server is told, so the change is in force when the command returns.
void after_command(const CLI::App& app, const GlobalOptions& options);

} // namespace llmgw::cli
