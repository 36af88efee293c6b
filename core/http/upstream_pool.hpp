#pragma once
// Keep-alive HTTP clients to upstreams, pooled per origin: a request borrows a client with its
// open connection and returns it, so no request pays for connection (or TLS) setup twice.
#include "core/http/upstream_client.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmgw::core::http {

// "https://api.openai.com/v1" -> origin "https://api.openai.com", path_prefix "/v1": views into
// the URL given, so a request splitting its provider's URL allocates nothing.
struct BaseUrl {
  std::string_view origin;
  std::string_view path_prefix;
};
BaseUrl split_base_url(std::string_view url);

class UpstreamPool {
public:
  using IdleClients = std::vector<std::unique_ptr<UpstreamClient>>;

  explicit UpstreamPool(UpstreamTimeouts timeouts) : m_timeouts(timeouts) {}

  // A borrowed client; goes back to the pool when destroyed unless discard() was called.
  class Lease {
  public:
    Lease(UpstreamPool* pool, IdleClients* idle, std::unique_ptr<UpstreamClient> client)
        : m_pool(pool), m_idle(idle), m_client(std::move(client)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    UpstreamClient& client() { return *m_client; }
    // Drop the client instead of returning it (its connection state is unknown).
    void discard() { m_client.reset(); }

  private:
    UpstreamPool* m_pool;
    IdleClients* m_idle; // its origin's list in the pool, where it goes back
    std::unique_ptr<UpstreamClient> m_client;
  };

  Lease acquire(const std::string& origin);

private:
  void give_back(IdleClients& idle, std::unique_ptr<UpstreamClient> client);

  static constexpr size_t k_max_idle_per_origin = 64;
  UpstreamTimeouts m_timeouts;
  std::mutex m_mutex;
  // An origin's list is never erased, and the map's nodes do not move: a lease keeps a pointer.
  std::unordered_map<std::string, IdleClients> m_idle;
};

} // namespace llmgw::core::http
