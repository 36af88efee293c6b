// `llmgw run [--project P] [--cap X] -- <agent> [args]`: start an agent pointed at the running
// gateway with a key of its own, so its traffic is attributed to the run (and capped by --cap);
// pass its exit code through and print what the run cost.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/runtime_file.hpp"
#include "cli/server_api.hpp"
#include "cli/time_range.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"
#include "core/policy/keys.hpp"
#include "core/policy/usd.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace llmgw::cli {
namespace {

namespace policy = core::policy;

struct RunArgs {
  std::string project;
  std::string cap;
  std::vector<std::string> command;
};

// The agent's kind, from its program name.
std::string agent_kind(const std::string& program) {
  const std::string name = std::filesystem::path(program).filename().string();
  for (const char* kind : {"claude", "codex", "aider", "opencode"})
    if (name == kind) return kind;
  return "generic";
}

void wait_for_server(const std::string& base, const std::string& token) {
  httplib::Client client(base);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  if (!client.Get("/healthz"))
    throw Error("llmgw serve is not running at " + base +
                " (no running server found for this database or config); start it first (`llmgw serve`)");
  // The server polls settings a few times a second: wait until it knows the run's key.
  for (int attempt = 0; attempt < 60; ++attempt) {
    auto reply = client.Get("/v1/models", httplib::Headers{{"x-api-key", token}});
    if (reply && reply->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw Error("the server at " + base + " did not accept the run's key; is it using the same database?");
}

// Codex reads its provider from config, not the environment (CLIENTS.md §1): name one with -c.
std::vector<std::string> agent_argv(const RunArgs& args, const std::string& kind, const std::string& base) {
  std::vector<std::string> argv{args.command.front()};
  if (kind == "codex") {
    for (const std::string& setting :
         {std::string("model_provider=\"llmgw\""), std::string("model_providers.llmgw.name=\"llmgw\""),
          "model_providers.llmgw.base_url=\"" + base + "/v1\"",
          std::string("model_providers.llmgw.env_key=\"LLMGW_API_KEY\""),
          std::string("model_providers.llmgw.wire_api=\"responses\"")}) {
      argv.push_back("-c");
      argv.push_back(setting);
    }
  }
  argv.insert(argv.end(), args.command.begin() + 1, args.command.end());
  return argv;
}

void set_agent_env(const core::config::Config& config, const std::string& kind, const std::string& base,
                   const std::string& token, const std::string& run_name) {
  // The agent holds the run's token, never the provider keys.
  for (const auto& provider : config.providers)
    if (!provider.api_key_env.empty()) ::unsetenv(provider.api_key_env.c_str());
  ::setenv("ANTHROPIC_BASE_URL", base.c_str(), 1);
  ::setenv("ANTHROPIC_AUTH_TOKEN", token.c_str(), 1);
  if (kind == "claude")
    ::unsetenv("ANTHROPIC_API_KEY"); // it would take precedence and prompt
  else
    ::setenv("ANTHROPIC_API_KEY", token.c_str(), 1);
  const std::string openai = base + "/v1";
  ::setenv("OPENAI_BASE_URL", openai.c_str(), 1);
  ::setenv("OPENAI_API_BASE", openai.c_str(), 1); // aider / litellm
  ::setenv("OPENAI_API_KEY", token.c_str(), 1);
  ::setenv("LLMGW_API_KEY", token.c_str(), 1);
  ::setenv("LLMGW_BASE_URL", base.c_str(), 1);
  ::setenv("LLMGW_RUN", run_name.c_str(), 1);
}

// Run the agent and return its exit status (128 + signal when a signal ended it).
int run_agent(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  for (const auto& arg : argv) pointers.push_back(const_cast<char*>(arg.c_str()));
  pointers.push_back(nullptr);
  // Ctrl-C reaches the agent (same process group); the run waits for it to end and reports.
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  const pid_t child = ::fork();
  if (child < 0) throw Error("cannot start " + argv.front() + ": fork failed");
  if (child == 0) {
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    ::execvp(pointers[0], pointers.data());
    std::fprintf(stderr, "llmgw run: cannot start %s: %s\n", pointers[0], std::strerror(errno));
    std::_Exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// The run's totals once the server has written its last rows (they arrive within milliseconds).
store::UsageRow run_totals(store::Db& db, const std::string& key_name) {
  store::UsageFilter filter;
  filter.key_name = key_name;
  store::UsageRow last;
  int stable = 0;
  for (int attempt = 0; attempt < 20 && stable < 2; ++attempt) {
    auto rows = store::usage_report(db, filter, store::GroupBy::none);
    store::UsageRow now = rows.empty() ? store::UsageRow{} : rows.front();
    stable = attempt > 0 && now.requests == last.requests && now.cost_usd_pico == last.cost_usd_pico ? stable + 1 : 0;
    last = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

void run_run(const RunArgs& args, const GlobalOptions& options) {
  if (args.command.empty()) throw Error("give the agent to run after --, e.g. llmgw run -- claude");
  const auto config = core::config::load_config({options.config_path, std::nullopt, std::nullopt});
  // The running server (its runtime file), else where the config says it listens.
  const auto server = find_running_server(options);
  const std::string base = server ? server->base_url() : gateway_base_url(config.server.host, config.server.port);
  GlobalOptions store_options = options; // the run's key goes into the database that server reads
  if (server) store_options.db_path = server->db_path;
  std::optional<int64_t> cap;
  if (!args.cap.empty()) {
    cap = policy::parse_usd(args.cap);
    if (!cap || *cap <= 0) throw Error("--cap '" + args.cap + "' must be a positive USD amount");
  }
  const std::string kind = agent_kind(args.command.front());
  const std::string project = args.project.empty() ? std::filesystem::current_path().filename().string() : args.project;
  std::string stamp = format_local_datetime(now_ms());
  for (char& c : stamp)
    if (c == ' ' || c == ':') c = c == ' ' ? 'T' : '-';
  const std::string name = "run-" + stamp + "-" + std::to_string(::getpid());
  const std::string token = policy::generate_key_token();
  store::Db db(resolve_db_path(store_options));
  store::insert_key(db, {name, policy::sha256_hex(token), project, "", ""}, token.substr(0, 13) + "...", true);
  std::optional<int64_t> cap_id;
  if (cap) cap_id = store::upsert_cap(db, {0, policy::Period::total, *cap, policy::Scope::key, name, 80});
  tell_server_settings_changed(store_options); // the key and its cap in force before the agent starts
  int code = 0;
  try {
    wait_for_server(base, token);
    set_agent_env(config, kind, base, token, name);
    code = run_agent(agent_argv(args, kind, base));
  } catch (...) {
    store::revoke_key(db, name);
    if (cap_id) store::remove_cap(db, *cap_id);
    throw;
  }
  store::revoke_key(db, name);
  tell_server_settings_changed(store_options);
  const store::UsageRow total = run_totals(db, name);
  if (cap_id) store::remove_cap(db, *cap_id);
  std::fprintf(stderr,
               "llmgw run: %s request%s (%s errors), %s input + %s cache read + %s cache write, %s output tokens, "
               "%s (project %s)%s\n",
               format_count(total.requests).c_str(), total.requests == 1 ? "" : "s", format_count(total.errors).c_str(),
               format_count(total.input_uncached_tokens).c_str(), format_count(total.cache_read_tokens).c_str(),
               format_count(total.cache_write_5m_tokens + total.cache_write_1h_tokens).c_str(),
               format_count(total.output_tokens).c_str(), policy::format_usd(total.cost_usd_pico).c_str(),
               project.c_str(), total.unpriced_requests > 0 ? " (some requests unpriced)" : "");
  if (code != 0) throw ExitCode{code};
}

} // namespace

void register_run(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "run an agent through the gateway and print what the run cost");
  run->add_option("--project", args->project, "attribute the run to this project (default: the directory name)");
  run->add_option("--cap", args->cap, "stop admitting the run's requests past this many USD");
  run->add_option("command", args->command, "the agent and its arguments, after --")->required();
  run->prefix_command(false);
  run->callback([args, &options] { run_run(*args, options); });
}

} // namespace llmgw::cli
