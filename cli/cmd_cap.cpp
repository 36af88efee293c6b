// `llmgw cap` and `llmgw limit`: spend caps and rate limits, stored in the database and picked up
// by a running server within a second.
#include "cli/cap_status.hpp"
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"
#include "core/pipeline/attribution.hpp"
#include "core/policy/rules.hpp"
#include "core/policy/usd.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>

namespace llmgw::cli {
namespace {

namespace policy = core::policy;

// The one scope flag a cap or limit may carry.
struct ScopeFlags {
  std::string provider, agent, project, key, user;

  std::pair<policy::Scope, std::string> scope() const {
    int given = !provider.empty() + !agent.empty() + !project.empty() + !key.empty() + !user.empty();
    if (given > 1) throw Error("give at most one of --provider, --agent, --project, --key, --user");
    if (!provider.empty()) return {policy::Scope::provider, provider};
    if (!agent.empty()) return {policy::Scope::agent, agent};
    if (!project.empty()) return {policy::Scope::project, project};
    if (!key.empty()) return {policy::Scope::key, key};
    if (!user.empty()) return {policy::Scope::user, user};
    return {policy::Scope::global, ""};
  }
};

void add_scope_options(CLI::App* cmd, ScopeFlags& flags, const char* what) {
  cmd->add_option("--provider", flags.provider, std::string(what) + " one provider's requests");
  cmd->add_option("--agent", flags.agent, std::string(what) + " one agent's requests (claude-code, codex, ...)");
  cmd->add_option("--project", flags.project, std::string(what) + " one project's requests");
  cmd->add_option("--key", flags.key, std::string(what) + " one virtual key's requests");
  cmd->add_option("--user", flags.user,
                  std::string(what) + " one user's requests (all their keys, see key create --user)");
}

struct CapSetArgs {
  bool day = false, week = false, month = false;
  std::string amount;
  int warn = 80;
  bool force = false;
  ScopeFlags scope;
};

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

// Agents llmgw attributes requests to, has recorded requests from, or has keys for.
bool known_agent(store::Db& db, const std::string& agent, std::vector<std::string>& others) {
  const auto detected = core::pipeline::detected_agents();
  if (std::find(detected.begin(), detected.end(), agent) != detected.end()) return true;
  std::set<std::string> extra;
  for (const auto& stored : store::list_keys(db, false, true)) extra.insert(stored.key.agent);
  for (const auto& row : store::usage_report(db, store::UsageFilter{}, store::GroupBy::agent)) extra.insert(row.key);
  if (extra.count(agent) != 0) return true;
  for (const auto& name : extra)
    if (!name.empty() && std::find(detected.begin(), detected.end(), name) == detected.end()) others.push_back(name);
  return false;
}

// A cap for an agent, provider or key that does not exist would never apply: an error unless forced.
void check_scope_exists(store::Db& db, policy::Scope scope, const std::string& value, const GlobalOptions& options) {
  const std::string force = " (use --force to set the cap anyway)";
  if (scope == policy::Scope::agent) {
    std::vector<std::string> others;
    if (known_agent(db, value, others)) return;
    throw Error("unknown agent '" + value + "': llmgw detects " + joined(core::pipeline::detected_agents()) +
                (others.empty() ? "" : "; seen in the ledger or on a key: " + joined(others)) + force);
  }
  if (scope == policy::Scope::provider) {
    const auto config = core::config::load_config({options.config_path, std::nullopt, std::nullopt});
    std::vector<std::string> names;
    for (const auto& provider : config.providers) names.push_back(provider.name);
    if (std::find(names.begin(), names.end(), value) != names.end()) return;
    throw Error("unknown provider '" + value + "': configured providers are " + joined(names) + force);
  }
  if (scope == policy::Scope::key) {
    std::vector<std::string> names;
    for (const auto& stored : store::list_keys(db, false, true)) names.push_back(stored.key.name);
    if (std::find(names.begin(), names.end(), value) != names.end()) return;
    throw Error("no key named '" + value + "': active keys are " + joined(names) + force);
  }
  if (scope == policy::Scope::user) {
    std::vector<std::string> names;
    for (const auto& stored : store::list_keys(db, false, true))
      if (!stored.key.user.empty() && std::find(names.begin(), names.end(), stored.key.user) == names.end())
        names.push_back(stored.key.user);
    if (std::find(names.begin(), names.end(), value) != names.end()) return;
    throw Error("no active key belongs to user '" + value + "' (users with keys: " + joined(names) +
                "; create one with `llmgw key create NAME --user " + value + "`)" + force);
  }
}

std::string describe_scope(policy::Scope scope, const std::string& value) {
  return scope == policy::Scope::global ? "all requests" : std::string(policy::to_string(scope)) + " " + value;
}

void run_cap_set(const CapSetArgs& args, const GlobalOptions& options) {
  const auto amount = policy::parse_usd(args.amount);
  if (!amount || *amount <= 0)
    throw Error("cap amount '" + args.amount + "' must be a positive USD amount, e.g. 5 or 12.50");
  policy::CapRule cap;
  cap.period = args.week ? policy::Period::week : args.month ? policy::Period::month : policy::Period::day;
  cap.limit_pico = *amount;
  cap.warn_percent = args.warn;
  std::tie(cap.scope, cap.value) = args.scope.scope();
  store::Db db(resolve_db_path(options));
  if (!args.force) check_scope_exists(db, cap.scope, cap.value, options);
  const int64_t id = store::upsert_cap(db, cap);
  if (options.quiet) return;
  std::printf("cap %lld: %s a %s for %s (warn at %d%%)\n", static_cast<long long>(id),
              policy::format_usd(cap.limit_pico).c_str(), std::string(policy::to_string(cap.period)).c_str(),
              describe_scope(cap.scope, cap.value).c_str(), cap.warn_percent);
}

void run_cap_list(bool json, const GlobalOptions& options) {
  store::Db db(resolve_db_path(options));
  const auto statuses = cap_statuses(db);
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& s : statuses)
      out.push_back({{"id", s.rule.id},
                     {"period", policy::to_string(s.rule.period)},
                     {"scope", policy::to_string(s.rule.scope)},
                     {"value", s.rule.value},
                     {"limit_usd_pico", s.rule.limit_pico},
                     {"spent_usd_pico", s.spent},
                     {"reserved_usd_pico", s.reserved},
                     {"remaining_usd_pico", s.remaining()},
                     {"warn_percent", s.rule.warn_percent}});
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  if (statuses.empty()) {
    std::printf("no caps; add one with `llmgw cap set --day 5`\n");
    return;
  }
  Table table;
  for (const char* header : {"id", "period", "applies to"}) table.add_column(header, Align::left);
  for (const char* header : {"cap", "spent", "reserved", "remaining", "used"}) table.add_column(header, Align::right);
  for (const auto& s : statuses) {
    table.add_row({std::to_string(s.rule.id), std::string(policy::to_string(s.rule.period)),
                   describe_scope(s.rule.scope, s.rule.value), policy::format_usd(s.rule.limit_pico),
                   policy::format_usd(s.spent), policy::format_usd(s.reserved), policy::format_usd(s.remaining()),
                   std::to_string(s.used_percent()) + "%" + (s.warning() ? " !" : "")},
                  {Style::plain, Style::plain, Style::plain, Style::plain, Style::plain, Style::plain, Style::plain,
                   s.warning() ? Style::yellow : Style::plain});
  }
  std::fputs(table.render().c_str(), stdout);
}

struct LimitArgs {
  int64_t rpm = 0;
  int64_t tpm = 0;
  ScopeFlags scope;
};

void run_limit_set(const LimitArgs& args, const GlobalOptions& options) {
  if (args.rpm <= 0 && args.tpm <= 0) throw Error("give --rpm and/or --tpm");
  policy::RateRule rule;
  std::tie(rule.scope, rule.value) = args.scope.scope();
  rule.requests_per_minute = args.rpm;
  rule.tokens_per_minute = args.tpm;
  store::Db db(resolve_db_path(options));
  const int64_t id = store::upsert_rate_limit(db, rule);
  if (options.quiet) return;
  std::printf("limit %lld: %s%s%s for %s\n", static_cast<long long>(id),
              args.rpm > 0 ? (std::to_string(args.rpm) + " requests/min").c_str() : "",
              args.rpm > 0 && args.tpm > 0 ? ", " : "",
              args.tpm > 0 ? (std::to_string(args.tpm) + " tokens/min").c_str() : "",
              describe_scope(rule.scope, rule.value).c_str());
}

void run_limit_list(bool json, const GlobalOptions& options) {
  store::Db db(resolve_db_path(options));
  const auto rules = store::list_rate_limits(db);
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& rule : rules)
      out.push_back({{"id", rule.id},
                     {"scope", policy::to_string(rule.scope)},
                     {"value", rule.value},
                     {"requests_per_minute", rule.requests_per_minute},
                     {"tokens_per_minute", rule.tokens_per_minute}});
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  if (rules.empty()) {
    std::printf("no rate limits; add one with `llmgw limit set --rpm 60 --agent codex`\n");
    return;
  }
  Table table;
  table.add_column("id", Align::left);
  table.add_column("applies to", Align::left);
  table.add_column("requests/min", Align::right);
  table.add_column("tokens/min", Align::right);
  for (const auto& rule : rules)
    table.add_row({std::to_string(rule.id), describe_scope(rule.scope, rule.value),
                   rule.requests_per_minute ? format_count(rule.requests_per_minute) : "-",
                   rule.tokens_per_minute ? format_count(rule.tokens_per_minute) : "-"});
  std::fputs(table.render().c_str(), stdout);
}

} // namespace

std::vector<CapStatus> cap_statuses(store::Db& db) {
  const int64_t now = policy::now_ms();
  const auto reserved = store::cap_reservations(db);
  std::vector<CapStatus> statuses;
  for (auto& cap : store::list_caps(db)) {
    CapStatus status;
    status.spent = store::cap_spent(db, cap, now);
    auto it = reserved.find(cap.id);
    status.reserved = it == reserved.end() ? 0 : it->second;
    status.rule = std::move(cap);
    statuses.push_back(std::move(status));
  }
  return statuses;
}

void register_cap(CLI::App& app, GlobalOptions& options) {
  auto* cap = app.add_subcommand("cap", "spend caps: set, list, rm (a running server applies changes within a second)");
  cap->require_subcommand(1);

  auto set_args = std::make_shared<CapSetArgs>();
  auto* set = cap->add_subcommand("set", "set (or change) a cap: llmgw cap set [--day|--week|--month] AMOUNT [scope]");
  auto* day = set->add_flag("--day", set_args->day, "per local calendar day (the default)");
  auto* week = set->add_flag("--week", set_args->week, "per local week, from Monday");
  auto* month = set->add_flag("--month", set_args->month, "per local calendar month");
  day->excludes(week, month);
  week->excludes(month);
  set->add_option("AMOUNT", set_args->amount, "USD, e.g. 5 or 12.50")->required();
  set->add_option("--warn", set_args->warn, "warn (header and server log) past this percent (default 80)")
      ->check(CLI::Range(1, 100));
  add_scope_options(set, set_args->scope, "cap only");
  set->add_flag("--force", set_args->force,
                "set it even for an agent llmgw has not seen, a provider not configured or a key not made");
  set->callback([set_args, &options] { run_cap_set(*set_args, options); });

  auto json = std::make_shared<bool>(false);
  auto* list = cap->add_subcommand("list", "each cap with spent, reserved (requests in flight) and remaining");
  list->add_flag("--json", *json, "print JSON (pico-USD integers)");
  list->callback([json, &options] { run_cap_list(*json, options); });

  auto id = std::make_shared<int64_t>(0);
  auto* rm = cap->add_subcommand("rm", "remove a cap by its id (see `llmgw cap list`)");
  rm->add_option("ID", *id, "cap id")->required();
  rm->callback([id, &options] {
    store::Db db(resolve_db_path(options));
    if (!store::remove_cap(db, *id)) throw Error("no cap with id " + std::to_string(*id) + " (see `llmgw cap list`)");
    if (!options.quiet) std::printf("cap %lld removed\n", static_cast<long long>(*id));
  });
}

void register_limit(CLI::App& app, GlobalOptions& options) {
  auto* limit = app.add_subcommand("limit", "rate limits per agent or key: set, list, rm (answered with 429)");
  limit->require_subcommand(1);
  auto args = std::make_shared<LimitArgs>();
  auto* set = limit->add_subcommand("set", "set (or change) a rate limit: llmgw limit set --rpm N [--tpm N] --agent A");
  set->add_option("--rpm", args->rpm, "requests per minute")->check(CLI::Range(int64_t{0}, int64_t{1'000'000}));
  set->add_option("--tpm", args->tpm, "tokens per minute")->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}));
  add_scope_options(set, args->scope, "limit only");
  set->callback([args, &options] { run_limit_set(*args, options); });
  auto json = std::make_shared<bool>(false);
  auto* list = limit->add_subcommand("list", "list rate limits");
  list->add_flag("--json", *json, "print JSON (0 = no limit)");
  list->callback([json, &options] { run_limit_list(*json, options); });
  auto id = std::make_shared<int64_t>(0);
  auto* rm = limit->add_subcommand("rm", "remove a rate limit by its id");
  rm->add_option("ID", *id, "limit id")->required();
  rm->callback([id, &options] {
    store::Db db(resolve_db_path(options));
    if (!store::remove_rate_limit(db, *id))
      throw Error("no rate limit with id " + std::to_string(*id) + " (see `llmgw limit list`)");
    if (!options.quiet) std::printf("rate limit %lld removed\n", static_cast<long long>(*id));
  });
}

} // namespace llmgw::cli
