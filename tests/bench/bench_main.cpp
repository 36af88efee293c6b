// llmgw_bench: what llmgw adds, measured in one run against the fake upstream called directly and
// through nginx (the floor any proxy pays). Starts every server itself on 127.0.0.1 ephemeral
// ports, prints a text and a markdown table (and JSON with --json), and stops everything it
// started. Exits 0 when every measurement was taken, whatever the numbers say.
#include "tests/bench/bench_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/bench/bench_report.hpp"
#include "tests/bench/bench_scenarios.hpp"
#include "tests/bench/bench_services.hpp"
#include "tests/bench/bench_upstream.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

namespace llmgw::bench {
namespace {

constexpr const char* k_usage =
    "usage: llmgw_bench --llmgw PATH [--nginx PATH | --no-nginx] [--quick] [--only TEXT] [--caps] [--pin] [--json "
    "FILE]\n"
    "  --llmgw PATH   the llmgw binary to measure (a Release build for real numbers)\n"
    "  --nginx PATH   nginx for the proxy floor (default /usr/sbin/nginx; skipped when missing)\n"
    "  --no-nginx     measure direct and llmgw only\n"
    "  --quick        a few hundred requests per scenario (~10 s): checks the bench works end to end\n"
    "  --only TEXT    run only the load scenarios whose name contains TEXT (for profiling)\n"
    "  --caps         give llmgw spend caps and a rate limit, so every request goes through admission\n"
    "  --pin          load and fake provider on CPU 0, llmgw and nginx on CPU 1 (one core each)\n"
    "  --json FILE    also write the results as JSON\n";

constexpr int k_open_streams = 64;
constexpr int k_stall_ms = 20000;
constexpr double k_kib_per_mb = 1024.0;

struct Options {
  std::string llmgw, nginx = "/usr/sbin/nginx", json, only;
  bool quick = false;
  bool caps = false;
  bool pin = false;
};

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
    else if (arg == "--only" && has_value)
      options.only = argv[++i];
    else
      throw std::invalid_argument("unknown or incomplete option '" + arg + "'");
  }
  if (options.llmgw.empty()) throw std::invalid_argument("--llmgw PATH is required");
  if (::access(options.llmgw.c_str(), X_OK) != 0) throw std::invalid_argument("cannot execute '" + options.llmgw + "'");
  return options;
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string mb(long kib) { return kib < 0 ? "-" : fixed(static_cast<double>(kib) / k_kib_per_mb, 1) + " MB"; }

// /proc/loadavg's first three fields: a busy machine makes every number worse.
std::string load_average() {
  const std::string text = read_file("/proc/loadavg");
  size_t end = 0;
  for (int field = 0; field < 3 && end != std::string::npos; ++field) end = text.find(' ', end + (field > 0 ? 1 : 0));
  return text.substr(0, end);
}

// The scenario list; quick keeps every scenario but shrinks its request budget.
std::vector<ScenarioSpec> scenario_specs(bool quick) {
  const std::string small = chat_body("Say hello.", false);
  const std::string stream = chat_body("Say hello.", true);
  const std::string large = chat_body(std::string(500 * 1000, 'x'), false);
  const int rounds = quick ? 1 : 4;
  std::vector<ScenarioSpec> specs;
  for (int concurrency : {1, 8, 64})
    specs.push_back({"small non-streaming", concurrency, "/v1/chat/completions", small, false, rounds,
                     SliceLimits{quick ? 50 : 2000, 0.3, 0},
                     SliceLimits{quick ? 150 : 10000000, quick ? 2.0 : 0.75, 0}});
  for (int concurrency : {1, 8})
    specs.push_back({"streaming", concurrency, "/v1/chat/completions", stream, true, rounds,
                     SliceLimits{quick ? 20 : 100, 0.5, 0}, SliceLimits{quick ? 60 : 125, 5.0, 0}});
  specs.push_back({"500 KB request body", 1, "/v1/chat/completions", large, false, rounds,
                   SliceLimits{quick ? 3 : 10, 1.0, 0}, SliceLimits{quick ? 20 : 50, 5.0, 0}});
  specs.push_back({"sparse (20 ms apart)", 1, "/v1/chat/completions", small, false, quick ? 1 : 2,
                   SliceLimits{3, 1.0, 20}, SliceLimits{quick ? 15 : 50, 3.0, 20}});
  return specs;
}

// Median of the spawn-to-first-served-request times (one unmeasured start creates the ledger).
std::vector<double> measure_startup(const GatewaySetup& setup, int repeats) {
  time_to_first_request_ms(setup, "startup.db");
  std::vector<double> samples;
  for (int i = 0; i < repeats; ++i) samples.push_back(time_to_first_request_ms(setup, "startup.db"));
  return samples;
}

double median(std::vector<double> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

const ScenarioRow* find_row(const Report& report, const std::string& name, int concurrency) {
  for (const auto& row : report.scenarios)
    if (row.name == name && row.concurrency == concurrency) return &row;
  return nullptr;
}

// llmgw minus direct at percentile p50 (or p99) of a scenario, in ms.
std::optional<double> added_ms(const Report& report, const std::string& name, int concurrency, bool p99) {
  const ScenarioRow* row = find_row(report, name, concurrency);
  if (row == nullptr) return std::nullopt;
  const Stats *direct = row->compared("direct"), *gateway = row->compared("llmgw");
  if (direct == nullptr || gateway == nullptr || direct->count == 0 || gateway->count == 0) return std::nullopt;
  return ((p99 ? gateway->p99_us : gateway->p50_us) - (p99 ? direct->p99_us : direct->p50_us)) / 1000.0;
}

Check check(const std::string& name, std::optional<double> value, double limit, const std::string& unit) {
  return Check{name, value.value_or(0), limit, unit, value.has_value()};
}

std::optional<double> if_measured(double value) { return value >= 0 ? std::optional<double>(value) : std::nullopt; }

struct Memory {
  long idle_kib = -1, after_load_kib = -1;
  StreamHold streams;
};

void add_checks(Report& report, double startup_ms, const Memory& memory) {
  report.checks.push_back(
      check("added p50, small requests, concurrency 8", added_ms(report, "small non-streaming", 8, false), 0.3, "ms"));
  report.checks.push_back(
      check("added p99, small requests, concurrency 8", added_ms(report, "small non-streaming", 8, true), 2.0, "ms"));
  report.checks.push_back(
      check("added TTFB p50, streaming, concurrency 1", added_ms(report, "streaming", 1, false), 0.5, "ms"));
  report.checks.push_back(
      check("added p50, 500 KB request body", added_ms(report, "500 KB request body", 1, false), 2.0, "ms"));
  report.checks.push_back(check("idle RSS after start", if_measured(memory.idle_kib / k_kib_per_mb), 15, "MB"));
  report.checks.push_back(
      check("RSS with 64 open streams",
            memory.streams.opened == k_open_streams ? if_measured(memory.streams.rss_kib / k_kib_per_mb) : std::nullopt,
            60, "MB"));
  report.checks.push_back(check("start to first served request (median)", if_measured(startup_ms), 50, "ms"));
}

// Everything that must hold for the run to count as complete; empty when it does.
std::vector<std::string> problems(const Report& report, const Memory& memory, bool partial) {
  std::vector<std::string> found;
  for (const auto& row : report.scenarios)
    for (const auto& target : row.targets) {
      if (target.latency.count == 0) found.push_back(row.name + " via " + target.target + ": no successful request");
      if (target.errors > 0)
        found.push_back(row.name + " (concurrency " + std::to_string(row.concurrency) + ") via " + target.target +
                        ": " + std::to_string(target.errors) + " failed request(s), first: " + target.first_error);
    }
  for (const auto& item : report.checks)
    if (!item.measured && !partial) found.push_back("not measured: " + item.name);
  if (memory.streams.opened != k_open_streams)
    found.push_back("only " + std::to_string(memory.streams.opened) +
                    " of 64 streams opened through llmgw, first error: " + memory.streams.first_error);
  return found;
}

// Measurements shown as facts beside the tables.
struct Facts {
  const std::vector<double>& startup;
  const Memory& memory;
  const std::string& idle_cpu;
  const std::string& load_before;
  long upstream_requests;
};

void add_facts(Report& report, const Facts& facts) {
  std::string samples;
  for (double sample : facts.startup) samples += (samples.empty() ? "" : ", ") + fixed(sample, 1);
  report.facts.push_back({"start to first served request, ms (samples)", samples});
  report.facts.push_back({"llmgw RSS idle after start", mb(facts.memory.idle_kib)});
  report.facts.push_back({"llmgw RSS idle after the load scenarios", mb(facts.memory.after_load_kib)});
  report.facts.push_back({"llmgw RSS with 64 open streams",
                          mb(facts.memory.streams.rss_kib) + " (" + std::to_string(facts.memory.streams.opened) +
                              " opened in " + fixed(facts.memory.streams.open_ms, 1) + " ms)"});
  report.facts.push_back({"64 client disconnects -> upstream streams cancelled",
                          facts.memory.streams.cancel_ms < 0
                              ? "not within 2 s (the upstream was silent)"
                              : "in " + fixed(facts.memory.streams.cancel_ms, 1) + " ms"});
  report.facts.push_back({"load average before / after (1, 5, 15 min)", facts.load_before + " / " + load_average()});
  if (const ScenarioRow* row = find_row(report, "small non-streaming", 64)) {
    std::string connects;
    for (const auto& target : row->targets)
      connects += (connects.empty() ? "" : ", ") + target.target + " " +
                  (target.connect_ms < 0 ? "failed" : fixed(target.connect_ms, 1));
    report.facts.push_back({"64 connections opened at once, ms", connects});
  }
  report.facts.push_back({"CPU while 64 keep-alive connections sit idle (% of a core)", facts.idle_cpu});
  report.facts.push_back({"upstream requests answered", std::to_string(facts.upstream_requests)});
  report.facts.push_back({"CPU cores online", std::to_string(std::thread::hardware_concurrency())});
}

int run(const Options& options) {
  // Before any thread starts: the threads of the load and the fake provider inherit CPU 0.
  if (options.pin) pin_to_two_cores();
  Report report;
  report.mode = options.quick ? "quick" : "full";
  llmgw::test::TempDir dir;
  // Stalls outlast opening 64 streams and the cancel wait; hold_streams() ends them early.
  BenchUpstream upstream(k_stall_ms);
  const std::string load_before = load_average();
  const GatewaySetup setup{options.llmgw, dir.path(), upstream.port(), options.caps};
  write_gateway_config(setup);

  std::fprintf(stderr, "llmgw_bench: timing start-up...\n");
  const std::vector<double> startup = measure_startup(setup, options.quick ? 3 : 7);
  const double startup_ms = std::count(startup.begin(), startup.end(), -1.0) > 0 ? -1 : median(startup);

  RunningGateway gateway = start_gateway(setup, "bench.db");
  Memory memory;
  {
    Connection probe(gateway.port, 2000);
    probe.exchange(make_get(gateway.port, "/healthz"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    memory.idle_kib = rss_kib(gateway.process.pid());
  }
  std::vector<Target> targets{{"direct", upstream.port(), -1, "Authorization: Bearer bench-direct\r\n"}};
  std::optional<RunningNginx> nginx;
  if (!options.nginx.empty() && ::access(options.nginx.c_str(), X_OK) == 0) {
    nginx = start_nginx(options.nginx, dir.path(), upstream.port());
    targets.push_back({"nginx", nginx->port, nginx->process.pid(), "Authorization: Bearer bench-nginx\r\n"});
  } else {
    report.notes.push_back("nginx not measured (" +
                           (options.nginx.empty() ? std::string("--no-nginx") : options.nginx + " missing") + ")");
  }
  targets.push_back({"llmgw", gateway.port, gateway.process.pid(), "Authorization: Bearer " + gateway.token + "\r\n"});

  for (const auto& spec : scenario_specs(options.quick)) {
    if (spec.name.find(options.only) == std::string::npos) continue;
    std::fprintf(stderr, "llmgw_bench: %s, concurrency %d...\n", spec.name.c_str(), spec.concurrency);
    report.scenarios.push_back(run_scenario(targets, spec));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  memory.after_load_kib = rss_kib(gateway.process.pid());
  std::string idle_cpu;
  for (const auto& target : targets)
    if (target.pid > 0)
      idle_cpu += (idle_cpu.empty() ? "" : ", ") + target.name + " " +
                  fixed(idle_cpu_percent(target, k_open_streams, options.quick ? 0.5 : 2.0), 1) + "%";
  std::fprintf(stderr, "llmgw_bench: holding %d open streams...\n", k_open_streams);
  memory.streams = hold_streams(targets.back(), k_open_streams, upstream);

  add_facts(report, Facts{startup, memory, idle_cpu, load_before, upstream.requests()});

  gateway.process.stop(5000);
  if (nginx) nginx->process.stop();
  add_checks(report, startup_ms, memory);
  print_text(report, stdout);
  print_markdown(report, stdout);
  if (!options.json.empty()) write_json(report, options.json);
  const std::vector<std::string> found = problems(report, memory, !options.only.empty());
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
