#pragma once
// Keeps a running server on the prices imported with `llmgw prices import`: polls the stored
// file (prices.json in the data directory) twice a second and puts a changed one in force for
// the requests that start after it. A removed file drops the imported layer; an unreadable one
// is reported and the prices in force stay.
#include "core/pipeline/gateway.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace llmgw::cli {

class PricesWatcher {
public:
  // Starts polling `path`; its current state is taken as already in force (read at start-up).
  PricesWatcher(core::pipeline::Gateway& gateway, std::string path);
  ~PricesWatcher();
  PricesWatcher(const PricesWatcher&) = delete;
  PricesWatcher& operator=(const PricesWatcher&) = delete;

  void stop();

private:
  struct Stamp {
    bool exists = false;
    long long mtime_ns = 0, size = 0, inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  void apply();
  void run();

  core::pipeline::Gateway& m_gateway;
  std::string m_path;
  Stamp m_seen;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace llmgw::cli
