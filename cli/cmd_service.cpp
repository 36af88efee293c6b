// `llmgw service install|uninstall|start|stop|status`: llmgw as a background service of the
// current user, a systemd user unit on Linux and a launchd agent on macOS (service_files.hpp).
#include "cli/common.hpp"
#include "cli/runtime_file.hpp"
#include "cli/service_files.hpp"
#include "core/config/config.hpp"
#include "core/config/private_files.hpp"
#include "core/error.hpp"
#include "store/connection.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

namespace llmgw::cli {
namespace {

namespace fs = std::filesystem;

enum class Platform { systemd, launchd };

struct ServiceArgs {
  std::string platform; // "" = this system's
  bool print = false;   // install: show what would be written
  bool dry_run = false; // start / stop: show the command
};

Platform platform_of(const ServiceArgs& args) {
  if (args.platform == "launchd") return Platform::launchd;
  if (args.platform == "systemd") return Platform::systemd;
#ifdef __APPLE__
  return Platform::launchd;
#else
  return Platform::systemd;
#endif
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] == '/' ? value : fallback;
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] != '/') throw Error("cannot find the home directory: HOME is not set");
  return home;
}

std::string config_home() { return env_or("XDG_CONFIG_HOME", home_dir() + "/.config"); }

// The absolute path of the running binary: ExecStart must not depend on PATH.
std::string self_binary() {
#ifdef __APPLE__
  char raw[PATH_MAX];
  uint32_t size = sizeof raw;
  if (_NSGetExecutablePath(raw, &size) != 0) throw Error("cannot find the path of the llmgw binary");
  char resolved[PATH_MAX];
  return ::realpath(raw, resolved) != nullptr ? resolved : raw;
#else
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw Error("cannot find the path of the llmgw binary (/proc/self/exe): " + error.message());
  return self.string();
#endif
}

ServiceSpec spec_for(const GlobalOptions& options) {
  ServiceSpec spec;
  spec.env_file = config_home() + "/llmgw/env";
  // A password in --db would sit in the unit and on the server's command line, which every user
  // of the machine can read (ps, /proc/PID/cmdline, systemctl status).
  if (store::is_postgres_url(options.db_path) && store::redact_url(options.db_path) != options.db_path)
    throw Error("the service would keep the password of " + store::redact_url(options.db_path) +
                " in its unit and on its command line: give --db without it, and put the password in ~/.pgpass "
                "or as PGPASSWORD=... in " +
                spec.env_file);
  spec.binary = self_binary();
  if (!options.config_path.empty()) spec.options = {"--config", fs::absolute(options.config_path).string()};
  if (!options.db_path.empty())
    for (const std::string& word :
         {std::string("--db"),
          store::is_postgres_url(options.db_path) ? options.db_path : fs::absolute(options.db_path).string()})
      spec.options.push_back(word);
  spec.log_dir = home_dir() + "/Library/Logs/llmgw";
  return spec;
}

std::string service_file(Platform platform) {
  return platform == Platform::systemd ? systemd_unit_path(home_dir(), env_or("XDG_CONFIG_HOME", ""))
                                       : launchd_plist_path(home_dir());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string service_text(Platform platform, const ServiceSpec& spec) {
  if (platform == Platform::systemd) return systemd_unit(spec);
  // launchd reads no env file: its variables are copied in now (the plist is 0600).
  return launchd_plist(spec, parse_env_file(read_file(spec.env_file)));
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

struct Outcome {
  int code = -1;
  std::string output; // stdout and stderr
};

Outcome run_program(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw Error("cannot run " + argv.front() + ": pipe failed");
  const pid_t child = ::fork();
  if (child < 0) throw Error("cannot run " + argv.front() + ": fork failed");
  if (child == 0) {
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    std::vector<char*> pointers;
    for (const auto& arg : argv) pointers.push_back(const_cast<char*>(arg.c_str()));
    pointers.push_back(nullptr);
    ::execvp(pointers[0], pointers.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  Outcome outcome;
  char buffer[4096];
  for (ssize_t got; (got = ::read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    outcome.output.append(buffer, static_cast<size_t>(got));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  outcome.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

// systemctl --user / launchctl, after checking the service manager is there to talk to.
void require_manager(Platform platform) {
  if (platform == Platform::launchd) {
    if (!on_path("launchctl")) throw Error("launchctl not found: launchd agents need macOS; run `llmgw serve` instead");
    return;
  }
  if (!on_path("systemctl"))
    throw Error("systemctl not found: this system does not run systemd, so llmgw cannot install a user service "
                "here; run `llmgw serve` yourself (e.g. in tmux or under your own supervisor)");
  const Outcome probe = run_program({"systemctl", "--user", "show-environment"});
  if (probe.code != 0) {
    const std::string reason = probe.output.substr(0, probe.output.find('\n'));
    throw Error("systemctl --user cannot reach your user service manager (" + reason +
                "): no user D-Bus session here (a container, or a login without `systemd --user`); run `llmgw "
                "serve` yourself, or `loginctl enable-linger $USER` and log in again");
  }
}

std::vector<std::string> manager_command(Platform platform, const std::string& action) {
  if (platform == Platform::systemd) return {"systemctl", "--user", action, k_systemd_unit_name};
  const std::string domain = "gui/" + std::to_string(::getuid());
  if (action == "start") return {"launchctl", "bootstrap", domain, service_file(platform)};
  if (action == "stop") return {"launchctl", "bootout", domain + "/" + k_launchd_label};
  return {"launchctl", "print", domain + "/" + k_launchd_label};
}

// Run it and pass its output through; an error (exit non-zero) when it failed.
void run_manager(const std::vector<std::string>& command) {
  const Outcome outcome = run_program(command);
  std::fputs(outcome.output.c_str(), stdout);
  if (outcome.code != 0) throw Error("`" + join(command) + "` failed (exit " + std::to_string(outcome.code) + ")");
}

void install(const GlobalOptions& options, const ServiceArgs& args) {
  const Platform platform = platform_of(args);
  const ServiceSpec spec = spec_for(options);
  const std::string path = service_file(platform);
  if (args.print) {
    std::printf("# %s\n%s", path.c_str(), service_text(platform, spec).c_str());
    return;
  }
  if (!fs::exists(spec.env_file))
    core::config::write_private_file(spec.env_file, env_file_template());
  else
    core::config::restrict_to_owner(spec.env_file);
  core::config::write_private_file(path, service_text(platform, spec));
  std::printf("wrote %s\nprovider keys go in %s (KEY=VALUE lines, 0600)%s\n", path.c_str(), spec.env_file.c_str(),
              platform == Platform::launchd ? "; run `llmgw service install` again after editing it" : "");
  if (platform == Platform::systemd) {
    require_manager(platform);
    run_manager({"systemctl", "--user", "daemon-reload"});
    run_manager({"systemctl", "--user", "enable", k_systemd_unit_name});
    std::printf("enabled (starts at login); start it now: llmgw service start; logs: journalctl --user -u llmgw\n");
  } else {
    std::printf("start it now: llmgw service start; logs: %s/\n", spec.log_dir.c_str());
  }
}

void uninstall(const ServiceArgs& args) {
  const Platform platform = platform_of(args);
  const std::string path = service_file(platform);
  if (!fs::exists(path)) {
    std::printf("not installed (no %s)\n", path.c_str());
    return;
  }
  std::string warning;
  try {
    require_manager(platform);
    if (platform == Platform::systemd)
      run_program({"systemctl", "--user", "disable", "--now", k_systemd_unit_name});
    else
      run_program(manager_command(platform, "stop"));
  } catch (const Error& e) {
    warning = e.what();
  }
  fs::remove(path);
  if (platform == Platform::systemd && warning.empty()) run_program({"systemctl", "--user", "daemon-reload"});
  std::printf("removed %s (the env file with your keys stays)\n", path.c_str());
  if (!warning.empty()) throw Error(warning);
}

void control(const std::string& action, const ServiceArgs& args, const GlobalOptions& options) {
  const Platform platform = platform_of(args);
  const auto command = manager_command(platform, action);
  if (args.dry_run) {
    std::printf("would run: %s\n", join(command).c_str());
    return;
  }
  if (action != "status" && !fs::exists(service_file(platform)))
    throw Error("the llmgw service is not installed (no " + service_file(platform) +
                "); run `llmgw service install` first");
  require_manager(platform);
  if (action == "status") {
    const Outcome outcome =
        run_program(platform == Platform::systemd
                        ? std::vector<std::string>{"systemctl", "--user", "status", "--no-pager", k_systemd_unit_name}
                        : command);
    std::fputs(outcome.output.c_str(), stdout);
    if (outcome.code != 0) throw ExitCode{outcome.code};
    return;
  }
  run_manager(command);
  if (action != "start") return;
  for (int waited = 0; waited < 50; ++waited) { // the runtime file appears once it listens
    if (const auto server = find_running_server(options)) {
      std::printf("llmgw is running at %s (pid %lld)\n", server->base_url().c_str(),
                  static_cast<long long>(server->pid));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::printf("started, but it does not listen yet; see `llmgw service status`\n");
}

} // namespace

void register_service(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<ServiceArgs>();
  auto* service = app.add_subcommand("service", "run llmgw in the background: a systemd user unit or launchd agent");
  service->require_subcommand(1);
  service->add_option("--platform", args->platform, "systemd or launchd (default: this system's)")
      ->check(CLI::IsMember({"systemd", "launchd"}));
  auto* install_cmd = service->add_subcommand("install", "write the unit (or agent) and enable it");
  install_cmd->add_flag("--print", args->print, "show what would be written, write nothing");
  install_cmd->callback([&options, args] { install(options, *args); });
  service->add_subcommand("uninstall", "stop and remove the unit (or agent); the env file stays")->callback([args] {
    uninstall(*args);
  });
  for (const char* action : {"start", "stop", "status"}) {
    auto* cmd = service->add_subcommand(action, std::string(action) + " the service");
    if (std::string(action) != "status") cmd->add_flag("--dry-run", args->dry_run, "show the command, run nothing");
    cmd->callback([&options, args, name = std::string(action)] { control(name, *args, options); });
  }
}

} // namespace llmgw::cli
