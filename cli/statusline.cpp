#include "cli/statusline.hpp"

#include "cli/cap_status.hpp"
#include "cli/rate_window_view.hpp"
#include "core/policy/usd.hpp"
#include "store/rate_windows.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <poll.h>
#include <unistd.h>

namespace llmgw::cli {
namespace {

constexpr size_t k_max_input_bytes = 1 << 20;
// Claude Code runs the command for its own status line: its requests come from this agent.
constexpr std::string_view k_claude_code = "claude-code";

std::string text_at(const nlohmann::json& object, std::initializer_list<const char*> path) {
  const nlohmann::json* at = &object;
  for (const char* name : path) {
    if (!at->is_object()) return "";
    const auto found = at->find(name);
    if (found == at->end()) return "";
    at = &*found;
  }
  return at->is_string() ? at->get<std::string>() : "";
}

CapSubject subject_of(store::Db& db, const StatuslineInput& input, std::string& session_cost) {
  const store::SessionSpend spend = store::session_spend(db, input.session_id);
  session_cost = core::policy::format_usd(spend.cost_usd_pico);
  CapSubject subject{true,           spend.agent.empty() ? std::string(k_claude_code) : spend.agent,
                     spend.key_name, spend.project,
                     spend.provider, spend.user_name};
  return subject;
}

// The tightest applicable cap as " | $0.77 left (day cap agent claude-code)", or "".
std::string tightest_cap(store::Db& db, const CapSubject& subject) {
  std::set<std::string> active;
  for (const auto& stored : store::list_keys(db, false, true)) active.insert(stored.key.name);
  const CapStatus* tightest = nullptr;
  const auto statuses = cap_statuses(db);
  for (const CapStatus& status : statuses)
    if (cap_applies(status.rule, subject, active) && (!tightest || status.remaining() < tightest->remaining()))
      tightest = &status;
  if (!tightest) return "";
  return " | " + core::policy::format_usd(tightest->remaining()) + " left (" + cap_label(tightest->rule) + ")" +
         (tightest->warning() ? " !" : "");
}

// The 5-hour window of the session's provider, else of the provider heard from last.
std::string plan_window(store::Db& db, const CapSubject& subject, int64_t now_ms) {
  const auto all = store::latest_rate_windows(db);
  const store::ProviderWindows* chosen = nullptr;
  for (const auto& windows : all) {
    if (statusline_window(windows, now_ms).empty()) continue;
    if (windows.provider == subject.provider) return " | " + statusline_window(windows, now_ms);
    if (!chosen || windows.updated_at_ms > chosen->updated_at_ms) chosen = &windows;
  }
  return chosen ? " | " + statusline_window(*chosen, now_ms) : "";
}

} // namespace

std::string cap_label(const core::policy::CapRule& rule) {
  std::string label = std::string(core::policy::to_string(rule.period)) + " cap";
  if (rule.scope != core::policy::Scope::global)
    label += " " + std::string(core::policy::to_string(rule.scope)) + " " + rule.value;
  return label;
}

std::optional<StatuslineInput> parse_statusline_input(std::string_view text) {
  const auto json = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return StatuslineInput{text_at(json, {"session_id"}), text_at(json, {"model", "id"}),
                         text_at(json, {"model", "display_name"}), text_at(json, {"workspace", "current_dir"})};
}

std::string read_piped_stdin(int fd, std::chrono::milliseconds timeout) {
  if (::isatty(fd)) return "";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  char buffer[8192];
  while (text.size() < k_max_input_bytes) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd waiting{fd, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(left)) <= 0) break; // timeout (or error): use what came
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got <= 0) break; // EOF, /dev/null or a closed descriptor
    text.append(buffer, static_cast<size_t>(got));
  }
  return text;
}

bool cap_applies(const core::policy::CapRule& cap, const CapSubject& subject,
                 const std::set<std::string>& active_keys) {
  using core::policy::Scope;
  if (cap.scope == Scope::global) return true;
  if (cap.scope == Scope::key && active_keys.count(cap.value) == 0) return false; // a revoked key sends nothing
  if (!subject.known) return true;
  switch (cap.scope) {
  case Scope::agent: return cap.value == subject.agent;
  case Scope::key: return cap.value == subject.key_name;
  case Scope::project: return cap.value == subject.project;
  case Scope::provider: return cap.value == subject.provider;
  case Scope::user: return cap.value == subject.user_name;
  case Scope::global: return true;
  }
  return false;
}

std::string statusline(store::Db& db, const std::optional<StatuslineInput>& input, int64_t now_ms) {
  const std::string today = core::policy::format_usd(store::period_spend(db, core::policy::Period::day, now_ms));
  CapSubject subject;
  std::string line;
  if (input) {
    std::string session_cost;
    subject = subject_of(db, *input, session_cost);
    if (!input->model_name.empty()) line = input->model_name + " \u00B7 ";
    line += "session " + session_cost + " \u00B7 today " + today;
  } else {
    line = "llmgw " + today + " today";
  }
  return line + tightest_cap(db, subject) + plan_window(db, subject, now_ms);
}

} // namespace llmgw::cli
