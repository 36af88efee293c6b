// `llmgw status`: whether a server runs for this database or config, where, since when, its
// version, today's requests and spend, and the `llmgw use` overrides in force. Exit 0 when one
// runs, 1 when none does (also with --json).
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/runtime_file.hpp"
#include "cli/server_api.hpp"
#include "cli/time_range.hpp"
#include "core/policy/periods.hpp"
#include "core/policy/usd.hpp"
#include "store/connection.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace llmgw::cli {
namespace {

struct StoredState {
  store::UsageRow today;
  std::vector<core::policy::RouteOverride> overrides;
};

// Today's usage and the overrides, from the database (none read when it does not exist yet).
StoredState read_state(const std::string& db_path, int64_t now) {
  StoredState state;
  std::error_code error;
  if (!store::is_postgres_url(db_path) && !std::filesystem::exists(db_path, error)) return state;
  store::Db db(db_path);
  const auto range = period_range(Period::day, now);
  const auto rows = store::usage_report(db, {range.since_ms, range.until_ms, ""}, store::GroupBy::none);
  if (!rows.empty()) state.today = rows.front();
  state.overrides = store::list_overrides(db);
  return state;
}

std::string describe_override(const core::policy::RouteOverride& route) {
  std::string scope = !route.agent.empty()       ? "agent " + route.agent
                      : route.model_glob.empty() ? std::string("all requests")
                                                 : "models matching '" + route.model_glob + "'";
  return scope + " -> " + route.target;
}

nlohmann::ordered_json overrides_json(const std::vector<core::policy::RouteOverride>& overrides) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& route : overrides)
    out.push_back({{"target", route.target}, {"model_glob", route.model_glob}, {"agent", route.agent}});
  return out;
}

void print_overrides(const std::vector<core::policy::RouteOverride>& overrides, bool running) {
  if (overrides.empty()) {
    std::printf("use:        none (requests go where config.toml says)\n");
    return;
  }
  for (size_t i = 0; i < overrides.size(); ++i)
    std::printf("%s%s\n", i == 0 ? "use:        " : "            ", describe_override(overrides[i]).c_str());
  std::printf("            (%s; `llmgw use --clear` drops them)\n",
              running ? "in force" : "stored: in force when a server starts");
}

int print_running(const RunningServer& server, const GlobalOptions& options, bool json) {
  const int64_t now = core::policy::now_ms();
  const auto answer = server_get(server, "/llmgw/api/status");
  // A PostgreSQL server's runtime file has its URL without the password: this command's own is read.
  const StoredState state =
      read_state(store::is_postgres_url(server.db_path) ? resolve_db_path(options) : server.db_path, now);
  const int in_flight = answer ? answer->value("in_flight", 0) : 0;
  if (json) {
    nlohmann::ordered_json out{{"running", true},
                               {"url", server.base_url()},
                               {"host", server.host},
                               {"port", server.port},
                               {"pid", server.pid},
                               {"version", server.version},
                               {"started_at_ms", server.started_at_ms},
                               {"uptime_ms", now - server.started_at_ms},
                               {"config_path", server.config_path},
                               {"db_path", server.db_path},
                               {"runtime_file", server.file_path},
                               {"api_answered", answer.has_value()},
                               {"in_flight", in_flight},
                               {"requests_today", state.today.requests},
                               {"errors_today", state.today.errors},
                               {"cost_today_usd_pico", state.today.cost_usd_pico},
                               {"overrides", overrides_json(state.overrides)}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("llmgw is running at %s (pid %lld, version %s)\n", server.base_url().c_str(),
              static_cast<long long>(server.pid), server.version.c_str());
  std::printf("since:      %s (up %s)\n", format_local_datetime(server.started_at_ms).c_str(),
              format_duration_ms(now - server.started_at_ms).c_str());
  std::printf("config:     %s\n", server.config_path.c_str());
  std::printf("database:   %s\n", server.db_path.c_str());
  std::printf("today:      %s request%s (%s errors), %s\n", format_count(state.today.requests).c_str(),
              state.today.requests == 1 ? "" : "s", format_count(state.today.errors).c_str(),
              core::policy::format_usd(state.today.cost_usd_pico).c_str());
  if (answer)
    std::printf("in flight:  %d request%s\n", in_flight, in_flight == 1 ? "" : "s");
  else
    std::printf("in flight:  unknown (the server did not answer its status API with this user's token)\n");
  print_overrides(state.overrides, true);
  return 0;
}

int print_stopped(const GlobalOptions& options, bool json) {
  const std::string db_path = resolve_db_path(options);
  const StoredState state = read_state(db_path, core::policy::now_ms());
  if (json) {
    nlohmann::ordered_json out{{"running", false},
                               {"runtime_dir", runtime_dir()},
                               {"db_path", display_db(db_path)},
                               {"overrides", overrides_json(state.overrides)}};
    std::printf("%s\n", out.dump(2).c_str());
    return 1;
  }
  std::printf("llmgw is not running (no server for %s in %s)\n", display_db(db_path).c_str(), runtime_dir().c_str());
  std::printf("start it:   llmgw serve (or in the background: llmgw service install && llmgw service start)\n");
  print_overrides(state.overrides, false);
  return 1;
}

} // namespace

void register_status(CLI::App& app, GlobalOptions& options) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("status", "whether llmgw serve runs, where, since when, today's spend; exit 1 if not");
  cmd->add_flag("--json", *json, "print JSON");
  cmd->callback([json, &options] {
    const auto server = find_running_server(options);
    const int code = server ? print_running(*server, options, *json) : print_stopped(options, *json);
    if (code != 0) throw ExitCode{code};
  });
}

} // namespace llmgw::cli
