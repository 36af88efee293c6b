// llmgw_bench: what llmgw adds, measured in one run against the fake upstream called directly and
// through nginx (the floor any proxy pays), and judged as ratios to nginx (issue 20). Starts every
// server itself on 127.0.0.1 ephemeral ports, prints a text and a markdown table (and JSON with
// --json), and stops everything it started. Exits 0 when every measurement was taken, whatever
// the numbers say.
#include "tests/bench/bench_dashboard.hpp"
#include "tests/bench/bench_plan.hpp"
#include "tests/bench/bench_process.hpp"
#include "tests/bench/bench_report.hpp"
#include "tests/bench/bench_services.hpp"
#include "tests/bench/bench_targets.hpp"
#include "tests/bench/bench_upstream.hpp"
#include "tests/support/temp_dir.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

namespace llmgw::bench {
namespace {

constexpr const char* k_usage =
    "usage: llmgw_bench --llmgw PATH [--nginx PATH | --no-nginx] [--quick] [--only TEXT] [--caps] [--pin]\n"
    "                   [--sweep] [--compare OLD_LLMGW] [--dashboard] [--team URL]\n"
    "                   [--rounds N] [--json FILE]\n"
    "  --llmgw PATH       the llmgw binary to measure (a Release build for real numbers)\n"
    "  --nginx PATH       nginx for the proxy floor (default /usr/sbin/nginx; skipped when missing)\n"
    "  --no-nginx         measure direct and llmgw only (no ratios, so most targets are n/a)\n"
    "  --quick            a few hundred requests per scenario (~15 s): checks the bench works end to end\n"
    "  --only TEXT        run only the load scenarios (or sweep points) whose name contains TEXT\n"
    "  --caps             give llmgw spend caps and a rate limit, so every request goes through admission\n"
    "  --pin              load and fake provider on CPU 0, llmgw and nginx on CPU 1 (one core each);\n"
    "                     issue 20's targets are stated for pinned runs\n"
    "  --sweep            instead of the scenarios: small requests at concurrency 1, 4, 16, 64, 256 and\n"
    "                     bodies of 1 KB, 16 KB, 256 KB, 2 MB at concurrency 1 and 8 (~1-2 minutes)\n"
    "  --compare OLD      also run the llmgw binary OLD as target llmgw-old, alternating slices with the\n"
    "                     new one (A/B/A/B) in every scenario, probe and sweep point\n"
    "  --dashboard        also run a second instance of the same llmgw (target llmgw+dashboard) with the\n"
    "                     dashboard open on it: logged in, the live log connected, every view asked\n"
    "                     twice a second; its ratio to llmgw is what an open dashboard costs requests\n"
    "  --team URL         also run a second instance of the same llmgw (target llmgw+team) on the\n"
    "                     PostgreSQL store at URL (team mode: cap leases); implies --caps, so llmgw and\n"
    "                     llmgw+team both check caps and a rate limit on every request\n"
    "  --rounds N         measured slices per target and scenario (default 4; quick 1)\n"
    "  --json FILE        also write the results as JSON\n";

constexpr int k_open_streams = 64;
constexpr int k_stall_ms = 20000;

struct Options {
  std::string llmgw, nginx = "/usr/sbin/nginx", json, only, compare, team;
  bool quick = false, caps = false, pin = false, sweep = false, dashboard = false;
  int rounds = -1;
};

void require_executable(const std::string& path) {
  if (::access(path.c_str(), X_OK) != 0) throw std::invalid_argument("cannot execute '" + path + "'");
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--llmgw" && has_value)
      options.llmgw = argv[++i];
    else if (arg == "--nginx" && has_value)
      options.nginx = argv[++i];
    else if (arg == "--no-nginx")
      options.nginx.clear();
    else if (arg == "--json" && has_value)
      options.json = argv[++i];
    else if (arg == "--quick")
      options.quick = true;
    else if (arg == "--caps")
      options.caps = true;
    else if (arg == "--pin")
      options.pin = true;
    else if (arg == "--team" && has_value)
      options.team = argv[++i];
    else if (arg == "--dashboard")
      options.dashboard = true;
    else if (arg == "--sweep")
      options.sweep = true;
    else if (arg == "--compare" && has_value)
      options.compare = argv[++i];
    else if (arg == "--rounds" && has_value)
      options.rounds = std::stoi(argv[++i]);
    else if (arg == "--only" && has_value)
      options.only = argv[++i];
    else
      throw std::invalid_argument("unknown or incomplete option '" + arg + "'");
  }
  if (options.llmgw.empty()) throw std::invalid_argument("--llmgw PATH is required");
  require_executable(options.llmgw);
  if (!options.compare.empty()) require_executable(options.compare);
  if (!options.team.empty()) options.caps = true;
  if (options.rounds == -1) options.rounds = options.quick ? 1 : 4;
  if (options.rounds < 1 || options.rounds > 50) throw std::invalid_argument("--rounds takes 1 to 50");
  return options;
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string mb(long kib) { return kib < 0 ? "-" : fixed(static_cast<double>(kib) / 1024.0, 1) + " MB"; }

// /proc/loadavg's first three fields: a busy machine makes every number worse.
std::string load_average() {
  const std::string text = read_file("/proc/loadavg");
  size_t end = 0;
  for (int field = 0; field < 3 && end != std::string::npos; ++field) end = text.find(' ', end + (field > 0 ? 1 : 0));
  return text.substr(0, end);
}

// One llmgw binary under test and what was measured about it outside the load scenarios.
struct Gateway {
  std::string name; // "llmgw" or "llmgw-old"
  GatewaySetup setup;
  std::optional<RunningGateway> running;
  Probes probes;
};

// Spawn-to-first-served-request, the gateways alternating: an existing ledger (created by one
// unmeasured start) and a new one (a fresh database path each time).
void measure_startup(std::vector<Gateway>& gateways, int repeats) {
  for (auto& gateway : gateways) time_to_first_request_ms(gateway.setup, "startup-" + gateway.name + ".db");
  for (int i = 0; i < repeats; ++i)
    for (auto& gateway : gateways) {
      gateway.probes.startup_existing_ms.push_back(
          time_to_first_request_ms(gateway.setup, "startup-" + gateway.name + ".db"));
      gateway.probes.startup_new_ms.push_back(
          time_to_first_request_ms(gateway.setup, "startup-new-" + gateway.name + "-" + std::to_string(i) + ".db"));
    }
}

std::string samples_text(const std::vector<double>& samples) {
  std::string text;
  for (double sample : samples) text += (text.empty() ? "" : ", ") + fixed(sample, 1);
  return text;
}

std::string cancel_text(const StreamHold& hold) {
  return hold.cancel_ms < 0 ? "not within 2 s" : "in " + fixed(hold.cancel_ms, 1) + " ms";
}

void add_gateway_facts(Report& report, const Gateway& gateway) {
  const std::string suffix = gateway.name == "llmgw" ? "" : " [" + gateway.name + "]";
  const Probes& probes = gateway.probes;
  report.facts.push_back(
      {"spawn to first served request, existing ledger, ms" + suffix, samples_text(probes.startup_existing_ms)});
  report.facts.push_back(
      {"spawn to first served request, new ledger, ms" + suffix, samples_text(probes.startup_new_ms)});
  report.facts.push_back({"RSS idle after start / after the load scenarios" + suffix,
                          mb(probes.idle_rss_kib) + " / " + mb(probes.after_load_rss_kib)});
}

// The 64-stream holds of every watched target, with nginx's RSS summed over its processes.
void add_stream_facts(Report& report, const std::map<std::string, StreamHold>& holds) {
  std::string rss, cancels;
  for (const auto& [name, hold] : holds) {
    rss += (rss.empty() ? "" : ", ") + name + " " + mb(hold.rss_kib) + " (" + std::to_string(hold.opened) +
           " opened in " + fixed(hold.open_ms, 1) + " ms)";
    cancels += (cancels.empty() ? "" : ", ") + name + " " + cancel_text(hold);
  }
  report.facts.push_back({"RSS with 64 open streams (all processes)", rss});
  report.facts.push_back({"64 client disconnects -> upstream streams cancelled", cancels});
}

void add_run_facts(Report& report, const std::string& load_before, const std::string& idle_cpu, long upstream_requests,
                   bool pinned) {
  report.facts.push_back({"load average before / after (1, 5, 15 min)", load_before + " / " + load_average()});
  for (const auto& row : report.scenarios)
    if (row.name == k_small && row.concurrency == 64) {
      std::string connects;
      for (const auto& target : row.targets)
        connects += (connects.empty() ? "" : ", ") + target.target + " " +
                    (target.connect_ms < 0 ? "failed" : fixed(target.connect_ms, 1));
      report.facts.push_back({"64 connections opened at once, ms", connects});
    }
  if (!idle_cpu.empty())
    report.facts.push_back({"CPU while 64 keep-alive connections sit idle (% of a core)", idle_cpu});
  report.facts.push_back({"upstream requests answered", std::to_string(upstream_requests)});
  report.facts.push_back({"CPU cores online / pinned", std::to_string(std::thread::hardware_concurrency()) + " / " +
                                                           (pinned ? "yes (load CPU 0, servers CPU 1)" : "no")});
}

// Everything that must hold for the run to count as complete; empty when it does.
std::vector<std::string> problems(const Report& report, const std::map<std::string, StreamHold>& holds, bool partial) {
  std::vector<std::string> found;
  for (const auto* rows : {&report.scenarios, &report.sweep})
    for (const auto& row : *rows)
      for (const auto& target : row.targets) {
        if (target.latency.count == 0) found.push_back(row.name + " via " + target.target + ": no successful request");
        if (target.errors > 0)
          found.push_back(row.name + " (concurrency " + std::to_string(row.concurrency) + ") via " + target.target +
                          ": " + std::to_string(target.errors) + " failed request(s), first: " + target.first_error);
        if (row.compare == Compare::first_event && target.first_event.count != target.latency.count)
          found.push_back(row.name + " via " + target.target + ": a stream without a data event");
      }
  for (const auto& item : report.checks)
    if (!item.measured && item.required && !partial) found.push_back("not measured: " + item.name);
  for (const auto& [name, hold] : holds)
    if (hold.opened != k_open_streams)
      found.push_back("only " + std::to_string(hold.opened) + " of 64 streams opened through " + name +
                      ", first error: " + hold.first_error);
  return found;
}

int run(const Options& options) {
  // Before any thread starts: the threads of the load and the fake provider inherit CPU 0.
  if (options.pin) pin_to_two_cores();
  raise_fd_limit();
  Report report;
  report.mode = std::string(options.quick ? "quick" : "full") + (options.sweep ? " sweep" : "") +
                (options.compare.empty() ? "" : ", compare") + ", " + std::to_string(options.rounds) + " round(s)" +
                (options.pin ? ", pinned" : "");
  llmgw::test::TempDir dir;
  // Stalls outlast opening 64 streams and the cancel wait; hold_streams() ends them early.
  BenchUpstream upstream(k_stall_ms);
  const std::string load_before = load_average();
  std::vector<Gateway> gateways;
  if (!options.compare.empty())
    gateways.push_back({"llmgw-old", GatewaySetup{options.compare, dir.path(), upstream.port(), options.caps}, {}, {}});
  gateways.push_back({"llmgw", GatewaySetup{options.llmgw, dir.path(), upstream.port(), options.caps}, {}, {}});
  write_gateway_config(gateways.back().setup);

  if (!options.sweep) {
    std::fprintf(stderr, "llmgw_bench: timing start-up...\n");
    measure_startup(gateways, options.quick ? 3 : 7);
  }
  for (auto& gateway : gateways) {
    gateway.running = start_gateway(gateway.setup, "bench-" + gateway.name + ".db");
    Connection probe(gateway.running->port, 2000);
    probe.exchange(make_get(gateway.running->port, "/healthz"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (auto& gateway : gateways) gateway.probes.idle_rss_kib = rss_kib(gateway.running->process.pid());

  std::vector<Target> targets{{"direct", upstream.port(), -1, "Authorization: Bearer bench-direct\r\n"}};
  std::optional<RunningNginx> nginx;
  if (!options.nginx.empty() && ::access(options.nginx.c_str(), X_OK) == 0) {
    nginx = start_nginx(options.nginx, dir.path(), upstream.port());
    targets.push_back({"nginx", nginx->port, nginx->process.pid(), "Authorization: Bearer bench-nginx\r\n"});
  } else {
    report.notes.push_back("nginx not measured (" +
                           (options.nginx.empty() ? std::string("--no-nginx") : options.nginx + " missing") + ")");
  }
  for (const auto& gateway : gateways)
    targets.push_back({gateway.name, gateway.running->port, gateway.running->process.pid(),
                       "Authorization: Bearer " + gateway.running->token + "\r\n"});
  // --team: the same binary again, in team mode on a PostgreSQL store.
  std::optional<RunningGateway> team;
  if (!options.team.empty()) {
    team = start_gateway(gateways.back().setup, options.team);
    targets.push_back(
        {k_team_target, team->port, team->process.pid(), "Authorization: Bearer " + team->token + "\r\n"});
  }
  // --dashboard: the same binary again, with a dashboard open on it for the whole run.
  std::optional<RunningGateway> watched;
  std::optional<DashboardViewer> viewer;
  if (options.dashboard) {
    watched = start_gateway(gateways.back().setup, "bench-dashboard.db");
    viewer.emplace(watched->port, watched->token);
    targets.push_back({k_dashboard_target, watched->port, watched->process.pid(),
                       "Authorization: Bearer " + watched->token + "\r\n"});
  }

  const auto specs =
      options.sweep ? sweep_specs(options.quick, options.rounds) : scenario_specs(options.quick, options.rounds);
  for (const auto& spec : specs) {
    if (spec.name.find(options.only) == std::string::npos) continue;
    std::fprintf(stderr, "llmgw_bench: %s, concurrency %d...\n", spec.name.c_str(), spec.concurrency);
    (options.sweep ? report.sweep : report.scenarios).push_back(run_scenario(targets, spec, options.sweep));
  }

  std::map<std::string, StreamHold> holds;
  std::string idle_cpu;
  if (!options.sweep) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (auto& gateway : gateways) gateway.probes.after_load_rss_kib = rss_kib(gateway.running->process.pid());
    for (const auto& target : targets)
      if (target.pid > 0 && !is_variant(target.name)) {
        const double percent = idle_cpu_percent(target, k_open_streams, options.quick ? 0.5 : 2.0);
        idle_cpu += (idle_cpu.empty() ? "" : ", ") + target.name + " " + fixed(percent, 1) + "%";
        for (auto& gateway : gateways)
          if (gateway.name == target.name) gateway.probes.idle_cpu_percent = percent;
      }
    for (auto it = targets.rbegin(); it != targets.rend(); ++it)
      if (it->pid > 0 && !is_variant(it->name)) {
        std::fprintf(stderr, "llmgw_bench: holding %d open streams through %s...\n", k_open_streams, it->name.c_str());
        holds[it->name] = hold_streams(*it, k_open_streams, upstream);
        if (!upstream.rearm_stalls()) report.notes.push_back("a stalled stream outlived " + it->name + "'s hold");
      }
    for (auto& gateway : gateways) gateway.probes.streams = holds[gateway.name];
    for (const auto& gateway : gateways) add_gateway_facts(report, gateway);
    add_stream_facts(report, holds);
  }
  add_run_facts(report, load_before, idle_cpu, upstream.requests(), options.pin);

  std::string dashboard_problem;
  if (viewer) {
    viewer->stop();
    report.facts.push_back({"open dashboard [llmgw+dashboard]: live events / views answered (failed) / slowest view",
                            std::to_string(viewer->events()) + " / " + std::to_string(viewer->views()) + " (" +
                                std::to_string(viewer->failed_views()) + ") / " +
                                std::to_string(viewer->view_max_ms()) + " ms"});
    if (viewer->views() == 0 || viewer->failed_views() > 0)
      dashboard_problem = "the open dashboard's views did not all answer 200";
    watched->process.stop(5000);
  }
  if (team) team->process.stop(5000);
  for (auto& gateway : gateways) gateway.running->process.stop(5000);
  if (nginx) nginx->process.stop();
  if (!options.sweep)
    for (auto it = gateways.rbegin(); it != gateways.rend(); ++it) {
      const auto checks = target_checks(report, it->name, it->probes);
      report.checks.insert(report.checks.end(), checks.begin(), checks.end());
    }
  print_text(report, stdout);
  print_markdown(report, stdout);
  if (!options.json.empty()) write_json(report, options.json);
  std::vector<std::string> found = problems(report, holds, !options.only.empty() || options.nginx.empty());
  if (!dashboard_problem.empty()) found.push_back(dashboard_problem);
  for (const auto& problem : found) std::fprintf(stderr, "llmgw_bench: %s\n", problem.c_str());
  return found.empty() ? 0 : 1;
}

} // namespace
} // namespace llmgw::bench

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(llmgw::bench::k_usage, stdout);
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return llmgw::bench::run(llmgw::bench::parse_options(argc, argv));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "llmgw_bench: error: %s\n%s", e.what(), llmgw::bench::k_usage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmgw_bench: error: %s\n", e.what());
    return 1;
  }
}
