#include "cli/cmd_dashboard.hpp"

#include "core/config/config.hpp"
#include "core/error.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace llmgw::cli {
namespace {

struct DashboardFlags {
  bool no_open = false;
  bool print = false;
};

// Asks the running server for a one-time login link (POST /dashboard/api/login-code with the
// gateway token, as `llmgw env` finds them: the config's host and port, the token file).
std::string login_url(const GlobalOptions& options) {
  const auto config = core::config::load_config({options.config_path, std::nullopt, std::nullopt});
  const std::string token = core::config::ensure_token(config.token_path);
  const std::string base = gateway_base_url(config.server.host, config.server.port);
  httplib::Client client(base);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  auto reply = client.Post("/dashboard/api/login-code", httplib::Headers{{"Authorization", "Bearer " + token}}, "",
                           "application/json");
  if (!reply) throw Error("llmgw serve is not running at " + base + "; start it first (`llmgw serve`)");
  if (reply->status == 404)
    throw Error("the server at " + base + " has no dashboard; restart it with this llmgw (`llmgw serve`)");
  if (reply->status == 401)
    throw Error("the server at " + base + " refused the token; is it using another config (--config)?");
  const auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || !body.is_object() || !body.contains("url") || !body["url"].is_string())
    throw Error("the server at " + base + " answered HTTP " + std::to_string(reply->status) +
                " instead of a login link");
  return body["url"].get<std::string>();
}

bool display_available() {
#ifdef __APPLE__
  return true;
#else
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x11 && *x11) || (wayland && *wayland);
#endif
}

void run_dashboard(const GlobalOptions& options, const DashboardFlags& flags) {
  const std::string url = login_url(options);
  if (flags.print) {
    std::printf("%s\n", url.c_str());
    return;
  }
  if (!flags.no_open && open_in_browser(url)) {
    std::fprintf(stderr, "llmgw: opened the dashboard in your browser (if it did not appear, open this link "
                         "within a minute; it works once):\n");
    std::printf("%s\n", url.c_str());
    return;
  }
  std::fprintf(stderr, "llmgw: open this link in a browser on this machine within a minute (it works once):\n");
  std::printf("%s\n", url.c_str());
}

} // namespace

bool open_in_browser(const std::string& url) {
  if (!display_available()) return false;
#ifdef __APPLE__
  const char* opener = "open";
#else
  const char* opener = "xdg-open";
#endif
  // The URL is an argument, never shell text; the opener's chatter goes to /dev/null.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string program = opener, argument = url;
  char* argv[] = {program.data(), argument.data(), nullptr};
  pid_t pid = 0;
  const int failed = posix_spawnp(&pid, opener, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) return false;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void register_dashboard(CLI::App& app, GlobalOptions& options) {
  auto* command =
      app.add_subcommand("dashboard", "open the running server's dashboard in a browser (a one-time login link)");
  auto flags = std::make_shared<DashboardFlags>();
  command->add_flag("--no-open", flags->no_open, "print the link instead of opening a browser");
  command->add_flag("--print", flags->print, "print only the link on stdout (for scripts); open nothing");
  command->callback([&options, flags] { run_dashboard(options, *flags); });
}

} // namespace llmgw::cli
