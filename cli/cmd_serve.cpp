// `llmgw serve`: the composition root. Loads config, opens the ledger, runs the gateway until
// SIGINT/SIGTERM, then drains open streams within the grace period and flushes the ledger.
#include "cli/cap_alerts.hpp"
#include "cli/common.hpp"
#include "cli/config_reloader.hpp"
#include "cli/dashboard_wiring.hpp"
#include "cli/ledger_retention.hpp"
#include "cli/prices_watcher.hpp"
#include "cli/runtime_file.hpp"
#include "cli/serve_metrics.hpp"
#include "core/config/config.hpp"
#include "core/dashboard/dashboard.hpp"
#include "core/dashboard/providers.hpp"
#include "core/error.hpp"
#include "core/http/proxy.hpp"
#include "core/pipeline/gateway_server.hpp"
#include "core/pipeline/local_api.hpp"
#include "core/platform/allocator.hpp"
#include "core/pricing/price_import.hpp"
#include "core/telemetry/tracing_sink.hpp"
#include "store/dashboard_data.hpp"
#include "store/ledger.hpp"
#include "store/settings.hpp"
#include "store/settings_watcher.hpp"
#include "store/connection.hpp"
#include "store/shared_prices.hpp"
#include "store/team_caps.hpp"
#include "store/team_rates.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

namespace llmgw::cli {
namespace {

struct ServeFlags {
  std::optional<std::string> host;
  std::optional<int> port;
  bool allow_remote = false;
  bool public_mode = false;
};

std::string origin_of(const core::config::Config& config, std::string_view key) {
  const auto* origin = config.find_origin(key);
  return origin ? origin->origin : "default";
}

// The gateway spends the user's provider keys: an address other machines reach is refused
// unless server.allow_remote says it is meant (then print_banner warns).
// In team mode (server.public) any address may be bound, but only with the Host names clients
// use listed: they replace the loopback check that stops DNS rebinding.
void check_listen_address(const core::config::Config& config) {
  const std::string& host = config.server.host;
  if (config.server.public_mode && config.server.hosts.empty())
    throw Error("server.public = true (from " + origin_of(config, "server.public") +
                ") needs server.hosts, the Host names clients reach this server by: set hosts = "
                "[\"llm.team.example\"] in [server] of config.toml (or LLMGW_HOSTS=llm.team.example); a request "
                "naming another host is refused");
  if (is_loopback_host(host) || config.server.allow_remote || config.server.public_mode) return;
  throw Error("refusing to listen on '" + host + "' (server.host from " + origin_of(config, "server.host") +
              "): it is not a loopback address, so other machines could reach the gateway and spend your "
              "provider keys; listen on 127.0.0.1, or set server.allow_remote = true in config.toml (or pass "
              "--allow-remote) to expose it on purpose");
}

void warn_if_remote(const core::config::Config& config) {
  if (config.server.public_mode) {
    std::string hosts;
    for (const auto& name : config.server.hosts) hosts += (hosts.empty() ? "" : ", ") + name;
    std::fprintf(stderr,
                 "llmgw: team mode (server.public from %s): answering Host %s only, virtual keys only (the gateway "
                 "token is refused); the dashboard and the loopback API answer loopback clients only\n",
                 origin_of(config, "server.public").c_str(), hosts.c_str());
    return;
  }
  if (is_loopback_host(config.server.host)) return;
  std::fprintf(stderr,
               "llmgw: warning: listening on '%s', which other machines can reach (server.allow_remote from %s): "
               "anyone who reaches it with the gateway token or a virtual key spends your provider keys\n",
               config.server.host.c_str(), origin_of(config, "server.allow_remote").c_str());
}

void print_banner(const core::config::Config& config, int port, const std::string& db_path) {
  std::fprintf(stderr, "llmgw %s\n", LLMGW_VERSION);
  if (config.file_path.empty())
    std::fprintf(stderr, "config: none found, providers inferred from the environment\n");
  else
    std::fprintf(stderr, "config: %s\n", config.file_path.c_str());
  std::fprintf(stderr, "ledger: %s\n", display_db(db_path).c_str());
  if (config.providers.empty())
    std::fprintf(stderr, "providers: none - set OPENAI_API_KEY or ANTHROPIC_API_KEY, or run `llmgw init`\n");
  for (const auto& provider : config.providers) {
    std::string key = provider.forward_client_auth ? "the client's own credentials"
                      : provider.api_key_env.empty()
                          ? "no key needed"
                          : provider.api_key_env + (provider.api_key.empty() ? " (NOT SET)" : " (set)");
    std::fprintf(stderr, "provider %s%s: %s, key: %s\n", provider.name.c_str(),
                 provider.name == config.default_provider ? " (default)" : "", provider.base_url.c_str(), key.c_str());
  }
  // The proxy's address only: credentials in the URL are never printed.
  if (const char* url = core::http::https_proxy_url()) {
    if (auto proxy = core::http::parse_proxy_url(url))
      std::fprintf(stderr, "https providers through proxy %s:%d%s (no_proxy exempts hosts)\n", proxy->host.c_str(),
                   proxy->port, proxy->user.empty() ? "" : " with credentials");
    else
      std::fprintf(stderr, "warning: https_proxy is not an http:// proxy URL; https providers are reached directly\n");
  }
  warn_if_remote(config);
  std::string base = "http://" + config.server.host + ":" + std::to_string(port);
  std::fprintf(stderr, "Anthropic clients (Claude Code): ANTHROPIC_BASE_URL=%s\n", base.c_str());
  std::fprintf(stderr, "OpenAI clients (Codex, SDKs):    OPENAI_BASE_URL=%s/v1\n", base.c_str());
  std::fprintf(stderr, "token and exports:               eval \"$(llmgw env)\"\n");
  std::fprintf(stderr, "dashboard:                       llmgw dashboard\n");
  std::printf("llmgw: listening on %s\n", base.c_str());
  std::fflush(stdout);
}

// LLMGW_TRACE_STARTUP=1: how long each start-up step took (wall clock and this process's CPU
// time, all threads), on stderr; README, Performance.
class StartupTrace {
public:
  StartupTrace() : m_on(std::getenv("LLMGW_TRACE_STARTUP") != nullptr), m_wall(wall_ms()), m_cpu(cpu_ms()) {
    if (m_on) std::fprintf(stderr, "llmgw: startup: %-22s %6.2f ms cpu (before main)\n", "process", m_cpu);
  }
  void step(const char* name) {
    if (!m_on) return;
    const double wall = wall_ms(), cpu = cpu_ms();
    std::fprintf(stderr, "llmgw: startup: %-22s %6.2f ms wall %6.2f ms cpu\n", name, wall - m_wall, cpu - m_cpu);
    m_wall = wall;
    m_cpu = cpu;
  }

private:
  static double wall_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  static double cpu_ms() {
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
  }
  bool m_on;
  double m_wall, m_cpu;
};
// A provider key that is llmgw's own token or a virtual key (typically `eval "$(llmgw env)"` run
// in the shell that starts serve): the provider refuses it, and it hands a llmgw secret out.
void warn_key_clashes(const core::config::Config& config, const std::string& token, const core::policy::KeyRing& keys) {
  for (const auto& clash : core::pipeline::provider_key_clashes(config, token, keys))
    std::fprintf(stderr,
                 "llmgw: warning: provider %s: %s holds %s, not %s's key; requests sent to %s will be refused. "
                 "Was `eval \"$(llmgw env)\"` run in this shell? Start `llmgw serve` where %s holds the provider's "
                 "key (for `llmgw service`, in ~/.config/llmgw/env)\n",
                 clash.provider.c_str(), clash.env.c_str(), clash.what.c_str(), clash.provider.c_str(),
                 clash.provider.c_str(), clash.env.c_str());
}

// What GET /llmgw/api/status adds to the gateway's own facts.
std::string status_fields(const RunningServer& server, const std::string& config_file) {
  return nlohmann::json{{"host", server.host},
                        {"port", server.port},
                        {"started_at_ms", server.started_at_ms},
                        {"config_path", server.config_path},
                        {"config_file", config_file},
                        {"db_path", server.db_path}}
      .dump();
}

// Team mode: the prices another instance imported into the shared store.
void apply_shared_prices(core::pipeline::Gateway& gateway, const std::string& document) {
  try {
    auto imported = core::pricing::imported_from_json(document, "the shared store's price import");
    const size_t count = imported.entries.size();
    gateway.set_imported_prices(std::make_shared<const core::pricing::ImportedPrices>(std::move(imported)));
    std::fprintf(stderr, "llmgw: imported prices loaded from the shared store (%zu entries)\n", count);
  } catch (const Error& error) {
    std::fprintf(stderr, "llmgw: shared price import NOT applied, the prices in force stay: %s\n", error.what());
  }
}

// Waits for one of signals and returns it. Where memory can be handed back (glibc), it wakes every
// k_release_check meanwhile: once requests (ledger rows) stopped for a whole interval, what large
// bodies left free in the allocator's heaps goes back to the kernel, once (tune_allocator keeps
// up to 16 MB a heap while requests come).
int wait_for_signal(const sigset_t& signals, const store::Ledger& ledger) {
#if defined(__GLIBC__)
  static constexpr timespec k_release_check{10, 0};
  core::platform::IdleRelease release(ledger.rows_written());
  for (;;) {
    const int got = sigtimedwait(&signals, nullptr, &k_release_check);
    if (got > 0) return got;
    if (got < 0 && errno != EAGAIN && errno != EINTR) break; // cannot wait with a timeout: plain wait
    if (errno == EAGAIN && release.tick(ledger.rows_written())) core::platform::release_free_memory();
  }
#else
  (void)ledger;
#endif
  int signal_number = 0;
  return sigwait(&signals, &signal_number) == 0 ? signal_number : SIGTERM;
}

void run_serve(const GlobalOptions& options, const ServeFlags& flags) {
  StartupTrace trace;
  // Signals are taken by sigwait in this thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP); // reload config.toml
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  core::platform::tune_allocator();

  const core::config::Overrides overrides{options.config_path, flags.host, flags.port, flags.allow_remote,
                                          flags.public_mode};
  auto config = core::config::load_config(overrides);
  check_listen_address(config); // before anything is created or opened
  trace.step("config");
  auto token = core::config::ensure_token(config.token_path);
  trace.step("token");
  // Bundled prices, then those imported with `llmgw prices import`, then config overrides.
  const std::string prices_path = core::config::default_prices_path();
  auto prices =
      core::pricing::PriceTable::layered(core::pricing::load_imported_prices(prices_path), config.price_overrides);
  const std::string stale = core::pricing::stale_table_warning(prices, core::policy::now_ms());
  trace.step("prices");
  std::string db_path = resolve_db_path(options);
  store::Ledger ledger(db_path);
  trace.step("ledger (open, migrate)");

  // Finished requests are traced ([telemetry]), counted for GET /metrics and wake the cap alerts
  // on their way to the ledger: TracingSink -> RequestMetrics -> CapAlerts -> Ledger.
  CapAlerts alerts(ledger, db_path);
  core::metrics::RequestMetrics metrics(alerts);
  add_ledger_metrics(metrics, ledger);
  std::unique_ptr<core::telemetry::Exporter> traces;
  if (auto export_options = core::telemetry::exporter_options(config.telemetry))
    traces = std::make_unique<core::telemetry::Exporter>(std::move(*export_options));
  if (traces) add_trace_metrics(metrics, *traces);
  core::telemetry::TracingSink sink(metrics, traces.get(),
                                    core::telemetry::SpanBuilder(core::telemetry::provider_systems(config)));

  // The loopback API the CLI calls (status, the server's view of its keys, apply settings now).
  auto local_api = std::make_shared<core::pipeline::LocalApi>();
  core::pipeline::GatewayOptions gateway_options{token};
  gateway_options.local_api = local_api;
  gateway_options.metrics = &metrics;
  core::pipeline::GatewayServer server(config, std::move(prices), sink, std::move(gateway_options));
  auto& gateway = server.gateway();
  seed_metric_names(metrics, gateway);
  trace.step("gateway");
  core::policy::KeyRing virtual_keys;
  {
    store::Db db(db_path);
    const int64_t now = core::policy::now_ms();
    gateway.budget().load_spent(store::spent_rows(db, now), now);
    virtual_keys = core::policy::KeyRing(store::load_policy(db).keys);
  }
  trace.step("spent so far");
  // Team mode: caps are enforced once across the instances sharing this store, by leased slices.
  const bool team_mode = config.store.shared || store::is_postgres_url(db_path);
  std::optional<store::TeamCaps> team;
  std::optional<store::TeamRates> team_rates;
  if (team_mode) {
    team.emplace(gateway.budget().caps(), db_path);
    std::fprintf(stderr, "team mode: caps shared with other instances on this store (instance %s)\n",
                 team->instance_id().c_str());
    team_rates.emplace(gateway.budget().rates(), db_path, team->instance_id());
    std::fprintf(stderr, "team mode: rate limits counted across the instances on this store\n");
  }
  // Caps, limits and keys the CLI changes reach this server within a poll interval.
  store::SettingsWatcher watcher(
      db_path, [&gateway](core::policy::PolicySettings settings) { gateway.apply_policy(std::move(settings)); },
      [&gateway] { return gateway.reservations(); }, [&gateway] { return gateway.health_json(); });
  alerts.start(gateway); // once spend and caps are loaded
  // Edits to config.toml (and SIGHUP) reach this server without a restart.
  ConfigReloader reloader(gateway, overrides, core::config::resolve_config_path(overrides));
  // Prices imported while this server runs reach it within a poll interval: from the data
  // directory, or in team mode from the shared store (every instance, through the settings watch).
  std::optional<PricesWatcher> prices_watcher;
  if (team_mode)
    watcher.watch_shared_prices([&gateway](const std::string& document) { apply_shared_prices(gateway, document); });
  else
    prices_watcher.emplace(gateway, prices_path);
  // Rows older than ledger.retention_days are folded and deleted at start and daily.
  LedgerRetention retention(gateway, db_path);
  trace.step("watchers");
  // The dashboard reads the ledger on a connection of its own; the writer feeds its live log.
  store::DashboardData dashboard_data(db_path);
  core::dashboard::DashboardOptions dashboard_options;
  dashboard_options.token = token;
  dashboard_options.bound_host = config.server.host;
  dashboard_options.local_clients_only = config.server.public_mode;
  core::dashboard::Dashboard dashboard(dashboard_options, dashboard_data,
                                       {[&gateway](int64_t now) {
                                          return core::dashboard::providers_json(gateway.live()->config,
                                                                                 gateway.health().snapshot(now), now);
                                        },
                                        [&gateway] { return gateway.live()->config.caps.hard; },
                                        [&gateway](const nlohmann::json& detail) {
                                          return core::dashboard::cost_parts_json(gateway.live()->prices, detail);
                                        }});
  DashboardWiring wiring(dashboard, ledger,
                         team ? DashboardWiring::Also([&team](const core::RequestRecord& row) { team->written(row); })
                              : nullptr);
  server.set_front([&dashboard](const httplib::Request& request, httplib::Response& response) {
    return dashboard.handle(request, response);
  });
  trace.step("dashboard");
  local_api->reload_settings = [&watcher] { return watcher.refresh(); };
  int port = server.bind();
  dashboard.set_port(port);
  trace.step("bind");
  const RunningServer running{::getpid(),          config.server.host,     port,
                              LLMGW_VERSION,       core::policy::now_ms(), core::config::resolve_config_path(overrides),
                              display_db(db_path), config.token_path,      ""};
  local_api->status_fields = [fields = status_fields(running, config.file_path)] { return fields; };
  print_banner(config, port, db_path);
  warn_key_clashes(config, token, virtual_keys);
  if (config.telemetry.enabled())
    std::fprintf(stderr, "traces: OTLP %s to %s\n", config.telemetry.protocol.c_str(), config.telemetry.url().c_str());
  if (!stale.empty()) std::fprintf(stderr, "llmgw: warning: %s\n", stale.c_str());
  server.start();
  trace.step("start");
  // Where the CLI finds this server (`llmgw env`, `run`, `status`...); gone once it stops.
  std::optional<RuntimeFile> runtime_file;
  try {
    runtime_file.emplace(running);
  } catch (const Error& e) {
    std::fprintf(stderr, "llmgw: warning: %s; `llmgw env` and `llmgw status` will not find this server\n", e.what());
  }
  int signal_number = 0;
  while ((signal_number = wait_for_signal(signals, ledger)) == SIGHUP) reloader.reload("SIGHUP");
  runtime_file.reset();
  std::fprintf(stderr, "llmgw: %s received, finishing %d open request(s)\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM", server.gateway().in_flight());
  dashboard.stop(); // live viewers hold connections the server would wait for
  server.drain_and_stop(config.server.shutdown_grace_seconds);
  if (traces) traces->stop(std::chrono::seconds(5)); // what is queued, within a bounded wait
  reloader.stop();
  if (prices_watcher) prices_watcher->stop();
  retention.stop();
  alerts.stop();
  watcher.stop();
  ledger.stop();
  if (team) team->stop_and_release(); // once every row is in the ledger, the leases go back
  if (team_rates) team_rates->stop_and_release();
  std::fprintf(stderr, "llmgw: stopped, ledger flushed (%lld rows written)\n",
               static_cast<long long>(ledger.rows_written()));
  if (ledger.rows_dropped() > 0)
    std::fprintf(stderr, "llmgw: warning: %lld rows could not be written: %s\n",
                 static_cast<long long>(ledger.rows_dropped()), ledger.last_error().c_str());
}

} // namespace

void register_serve(CLI::App& app, GlobalOptions& options) {
  auto* cmd = app.add_subcommand("serve", "run the gateway (127.0.0.1:8787 by default)");
  auto flags = std::make_shared<ServeFlags>();
  cmd->add_option("--host", flags->host, "address to bind (default 127.0.0.1)");
  cmd->add_option("--port", flags->port, "port to listen on (default 8787; 0 picks a free one)");
  cmd->add_flag("--allow-remote", flags->allow_remote,
                "allow a --host other machines can reach (0.0.0.0, a LAN address); same as server.allow_remote");
  cmd->add_flag("--public", flags->public_mode,
                "team mode: any --host, Host names from server.hosts, virtual keys only; same as server.public");
  cmd->callback([&options, flags] { run_serve(options, *flags); });
}

} // namespace llmgw::cli
