#pragma once
// The runtime file a running `llmgw serve` keeps (JSON, 0600, one per server process, in
// $XDG_RUNTIME_DIR/llmgw or else $XDG_STATE_HOME/llmgw, ~/.local/state/llmgw): where it listens,
// its pid, version, start time, config and database. The CLI finds the server through it; a file
// whose process is gone or whose port does not answer is stale, ignored and removed.
#include "cli/common.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmgw::cli {

struct RunningServer {
  int64_t pid = 0;
  std::string host; // as bound: "127.0.0.1", "::1", "0.0.0.0"
  int port = 0;
  std::string version;
  int64_t started_at_ms = 0;
  std::string config_path; // absolute; the file may not exist (providers inferred)
  std::string db_path;     // absolute
  std::string token_path;  // the gateway token file the server uses
  std::string file_path;   // the runtime file itself (not written into it)

  // "http://127.0.0.1:8787": where clients dial it.
  std::string base_url() const;
};

// The directory of runtime files (not created).
std::string runtime_dir();

std::string runtime_json(const RunningServer& server);
// nullopt when the text is not a runtime file.
std::optional<RunningServer> parse_runtime_json(const std::string& text);

// Whether the process lives and its port accepts a connection.
bool server_alive(const RunningServer& server);

// Every server with a live runtime file; stale files are removed on the way.
std::vector<RunningServer> running_servers();

// The running server the CLI talks to: the one using the same database (--db / LLMGW_DB / the
// default), else the one using the same config file; nullopt when none runs.
std::optional<RunningServer> find_running_server(const GlobalOptions& options);

// Written by `llmgw serve` once it listens; removed when it is destroyed (clean shutdown).
class RuntimeFile {
public:
  explicit RuntimeFile(RunningServer server);
  ~RuntimeFile();
  RuntimeFile(const RuntimeFile&) = delete;
  RuntimeFile& operator=(const RuntimeFile&) = delete;
  const std::string& path() const { return m_path; }

private:
  std::string m_path;
};

} // namespace llmgw::cli
