#pragma once
// `llmgw serve`'s ledger retention: prunes rows older than ledger.retention_days (as the config
// in force says) at start and then daily, on its own thread and connection, off the request path.
#include "core/pipeline/gateway.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace llmgw::cli {

class LedgerRetention {
public:
  LedgerRetention(const core::pipeline::Gateway& gateway, std::string db_path);
  ~LedgerRetention();
  LedgerRetention(const LedgerRetention&) = delete;
  LedgerRetention& operator=(const LedgerRetention&) = delete;

  // Ends the thread (a prune under way finishes first). Idempotent.
  void stop();

private:
  void run();
  void prune_once();

  const core::pipeline::Gateway& m_gateway;
  std::string m_db_path;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace llmgw::cli
