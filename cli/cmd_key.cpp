// `llmgw key`: virtual keys, one per tool or project. The token is printed once; only its SHA-256
// is stored. Revocation takes effect on the key's next request.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/time_range.hpp"
#include "core/error.hpp"
#include "core/policy/keys.hpp"
#include "core/policy/usd.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace llmgw::cli {
namespace {

namespace policy = core::policy;

struct KeyCreateArgs {
  std::string name, project, agent, models, cap_day, user;
};

// Key and user names: 1 to 64 letters, digits, '-', '_', '.' (and '@' in a user name, for e-mail
// addresses), so they print and pass as flags and labels unquoted.
void check_name(const std::string& name, const char* what, bool at_sign) {
  if (name.empty() || name.size() > 64) throw Error(std::string(what) + " name must be 1 to 64 characters");
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && !(at_sign && c == '@'))
      throw Error(std::string(what) + " name '" + name + "' may hold only letters, digits, '-', '_'" +
                  (at_sign ? ", '.' and '@'" : " and '.'"));
}

void run_key_create(const KeyCreateArgs& args, const GlobalOptions& options) {
  check_name(args.name, "key", false);
  if (!args.user.empty()) check_name(args.user, "user", true);
  std::optional<int64_t> cap;
  if (!args.cap_day.empty()) {
    cap = policy::parse_usd(args.cap_day);
    if (!cap || *cap <= 0) throw Error("--cap-day '" + args.cap_day + "' must be a positive USD amount");
  }
  const std::string token = policy::generate_key_token();
  policy::VirtualKey key{args.name, policy::sha256_hex(token), args.project, args.agent, args.models, args.user};
  store::Db db(resolve_db_path(options));
  store::insert_key(db, key, token.substr(0, 13) + "...", false);
  if (cap) store::upsert_cap(db, {0, policy::Period::day, *cap, policy::Scope::key, args.name, 80});
  if (!options.quiet)
    std::fprintf(stderr, "key '%s' created%s%s%s%s. The token is shown once; store it now:\n", args.name.c_str(),
                 args.user.empty() ? "" : (" for user " + args.user).c_str(),
                 args.project.empty() ? "" : (", project " + args.project).c_str(),
                 args.models.empty() ? "" : (", models " + args.models).c_str(),
                 cap ? (", daily cap " + policy::format_usd(*cap)).c_str() : "");
  std::printf("%s\n", token.c_str());
}

void print_keys_json(const std::vector<store::StoredKey>& keys) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& stored : keys)
    out.push_back({{"name", stored.key.name},
                   {"token_hint", stored.token_hint},
                   {"user", stored.key.user},
                   {"project", stored.key.project},
                   {"agent", stored.key.agent},
                   {"models", stored.key.models},
                   {"created_at_ms", stored.created_at_ms},
                   {"revoked_at_ms",
                    stored.revoked_at_ms ? nlohmann::ordered_json(*stored.revoked_at_ms) : nlohmann::ordered_json()},
                   {"for_run", stored.for_run}});
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void run_key_list(bool all, bool json, const GlobalOptions& options) {
  store::Db db(resolve_db_path(options));
  const auto keys = store::list_keys(db, all, all);
  if (json) return print_keys_json(keys);
  if (keys.empty()) {
    std::printf("no keys; create one with `llmgw key create NAME`\n");
    return;
  }
  Table table;
  for (const char* header : {"name", "token", "user", "project", "agent", "models", "created", "state"})
    table.add_column(header, Align::left);
  for (const auto& stored : keys) {
    std::string state =
        stored.revoked_at_ms ? "revoked " + format_local_datetime(*stored.revoked_at_ms).substr(0, 16) : "active";
    if (stored.for_run) state += " (run)";
    table.add_row({stored.key.name, stored.token_hint, stored.key.user.empty() ? "-" : stored.key.user,
                   stored.key.project.empty() ? "-" : stored.key.project,
                   stored.key.agent.empty() ? "-" : stored.key.agent,
                   stored.key.models.empty() ? "any" : stored.key.models,
                   format_local_datetime(stored.created_at_ms).substr(0, 16), state});
  }
  std::fputs(table.render().c_str(), stdout);
}

} // namespace

void register_key(CLI::App& app, GlobalOptions& options) {
  auto* key = app.add_subcommand("key", "virtual keys for tools and projects: create, list, revoke");
  key->require_subcommand(1);

  auto args = std::make_shared<KeyCreateArgs>();
  auto* create = key->add_subcommand("create", "create a key and print its token once");
  create->add_option("NAME", args->name, "a name for the key, e.g. aider or client-x")->required();
  create->add_option("--project", args->project, "attribute the key's requests to this project");
  create->add_option("--agent", args->agent,
                     "attribute the key's requests to this agent (default: from the user agent)");
  create->add_option("--models", args->models, "allowed models, comma-separated globs (e.g. 'claude-*,gpt-5*')");
  create->add_option("--cap-day", args->cap_day, "daily spend cap for this key in USD");
  create->add_option("--user", args->user,
                     "the person the key belongs to: its requests count as theirs (usage --by user, cap set --user)");
  create->callback([args, &options] { run_key_create(*args, options); });

  auto all = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  auto* list = key->add_subcommand("list", "list keys (never their tokens)");
  list->add_flag("--all", *all, "include revoked keys and the keys of `llmgw run`");
  list->add_flag("--json", *json, "print JSON (times as unix epoch milliseconds)");
  list->callback([all, json, &options] { run_key_list(*all, *json, options); });

  auto name = std::make_shared<std::string>();
  auto* revoke = key->add_subcommand("revoke", "revoke a key; its next request is refused");
  revoke->add_option("NAME", *name, "key name")->required();
  revoke->callback([name, &options] {
    store::Db db(resolve_db_path(options));
    if (!store::revoke_key(db, *name)) throw Error("no active key named '" + *name + "' (see `llmgw key list`)");
    if (!options.quiet) std::printf("key '%s' revoked\n", name->c_str());
  });
}

} // namespace llmgw::cli
