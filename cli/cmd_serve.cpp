// `llmgw serve`: the composition root. Loads config, opens the ledger, runs the gateway until
// SIGINT/SIGTERM, then drains open streams within the grace period and flushes the ledger.
#include "cli/cap_alerts.hpp"
#include "cli/common.hpp"
#include "cli/config_reloader.hpp"
#include "cli/ledger_retention.hpp"
#include "cli/prices_watcher.hpp"
#include "cli/serve_metrics.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"
#include "core/http/proxy.hpp"
#include "core/pipeline/gateway_server.hpp"
#include "core/pricing/price_import.hpp"
#include "store/ledger.hpp"
#include "store/settings.hpp"
#include "store/settings_watcher.hpp"

#include <csignal>
#include <cstdio>
#include <pthread.h>

namespace llmgw::cli {
namespace {

struct ServeFlags {
  std::optional<std::string> host;
  std::optional<int> port;
  bool allow_remote = false;
};

std::string origin_of(const core::config::Config& config, std::string_view key) {
  const auto* origin = config.find_origin(key);
  return origin ? origin->origin : "default";
}

// The gateway spends the user's provider keys: an address other machines reach is refused
// unless server.allow_remote says it is meant (then print_banner warns).
void check_listen_address(const core::config::Config& config) {
  const std::string& host = config.server.host;
  if (is_loopback_host(host) || config.server.allow_remote) return;
  throw Error("refusing to listen on '" + host + "' (server.host from " + origin_of(config, "server.host") +
              "): it is not a loopback address, so other machines could reach the gateway and spend your "
              "provider keys; listen on 127.0.0.1, or set server.allow_remote = true in config.toml (or pass "
              "--allow-remote) to expose it on purpose");
}

void warn_if_remote(const core::config::Config& config) {
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
  std::fprintf(stderr, "ledger: %s\n", db_path.c_str());
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
  std::printf("llmgw: listening on %s\n", base.c_str());
  std::fflush(stdout);
}

void run_serve(const GlobalOptions& options, const ServeFlags& flags) {
  // Signals are taken by sigwait in this thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP); // reload config.toml
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const core::config::Overrides overrides{options.config_path, flags.host, flags.port, flags.allow_remote};
  auto config = core::config::load_config(overrides);
  check_listen_address(config); // before anything is created or opened
  auto token = core::config::ensure_token(config.token_path);
  // Bundled prices, then those imported with `llmgw prices import`, then config overrides.
  const std::string prices_path = core::config::default_prices_path();
  auto prices =
      core::pricing::PriceTable::layered(core::pricing::load_imported_prices(prices_path), config.price_overrides);
  const std::string stale = core::pricing::stale_table_warning(prices, core::policy::now_ms());
  std::string db_path = resolve_db_path(options);
  store::Ledger ledger(db_path);
  // Finished requests wake the cap alerts and are counted for GET /metrics on their way to the ledger.
  CapAlerts alerts(ledger, db_path);
  core::metrics::RequestMetrics metrics(alerts);
  add_ledger_metrics(metrics, ledger);
  core::pipeline::GatewayOptions gateway_options{token};
  gateway_options.metrics = &metrics;

  core::pipeline::GatewayServer server(config, std::move(prices), metrics, gateway_options);
  auto& gateway = server.gateway();
  seed_metric_names(metrics, gateway);
  {
    store::Db db(db_path);
    const int64_t now = core::policy::now_ms();
    gateway.budget().load_spent(store::spent_rows(db, now), now);
  }
  // Caps, limits and keys the CLI changes reach this server within a poll interval.
  store::SettingsWatcher watcher(
      db_path, [&gateway](core::policy::PolicySettings settings) { gateway.apply_policy(std::move(settings)); },
      [&gateway] { return gateway.reservations(); }, [&gateway] { return gateway.health_json(); });
  alerts.start(gateway); // once spend and caps are loaded
  // Edits to config.toml (and SIGHUP) reach this server without a restart.
  ConfigReloader reloader(gateway, overrides, core::config::resolve_config_path(overrides));
  // Prices imported while this server runs reach it within a poll interval.
  PricesWatcher prices_watcher(gateway, prices_path);
  // Rows older than ledger.retention_days are folded and deleted at start and daily.
  LedgerRetention retention(gateway, db_path);
  int port = server.bind();
  print_banner(config, port, db_path);
  if (!stale.empty()) std::fprintf(stderr, "llmgw: warning: %s\n", stale.c_str());
  server.start();
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) reloader.reload("SIGHUP");
  std::fprintf(stderr, "llmgw: %s received, finishing %d open request(s)\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM", server.gateway().in_flight());
  server.drain_and_stop(config.server.shutdown_grace_seconds);
  reloader.stop();
  prices_watcher.stop();
  retention.stop();
  alerts.stop();
  watcher.stop();
  ledger.stop();
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
  cmd->callback([&options, flags] { run_serve(options, *flags); });
}

} // namespace llmgw::cli
