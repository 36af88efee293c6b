#pragma once
// One HTTP exchange with a provider, behind an interface: the gateway's is the pooled keep-alive
// client (PooledUpstream); tests put a fake in its place to run retries, fallbacks and key
// rotation without sockets, and to make an exchange throw.
#include "core/dispatch/stream_relay.hpp"
#include "core/http/thread_pool.hpp"
#include "core/http/upstream_pool.hpp"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>

namespace llmgw::core::dispatch {

// What a provider answered, read as far as the dispatcher needs before deciding on another try.
struct Answer {
  bool connected = false; // false: no HTTP answer (see error)
  std::string error;      // in words, when not connected
  int status = 0;
  httplib::Headers headers;
  std::string body;       // the whole body of an answer that is not an event stream
  bool too_large = false; // that body was longer than the limit and was not read
  // A 2xx event stream, still being read: relayed to the client as it arrives.
  std::shared_ptr<StreamRelay> stream;
};

// What one try sends and how its answer is read.
struct Exchange {
  std::string origin;       // "https://api.anthropic.com"
  httplib::Request request; // path, headers and body as the provider gets them
  bool stream = false;      // the client asked for a stream: read event streams through a relay
  StreamRelay::Settings relay;
};

class Upstream {
public:
  virtual ~Upstream() = default;
  // Send the request and return once its head is known (a whole answer is read whole, up to
  // exchange.relay.max_body_bytes). May throw; the pipeline settles the request all the same.
  virtual Answer exchange(Exchange exchange) = 0;
  // Whether exchange() may run on the event loop: it blocks only in socket reads the loop
  // watches (platform/fiber.hpp) and leaves the loop itself before anything else that blocks.
  virtual bool loop_safe() const { return false; }
};

// The real upstream: pooled keep-alive clients per origin, event streams read on `readers`.
class PooledUpstream final : public Upstream {
public:
  PooledUpstream(http::UpstreamTimeouts timeouts) : m_pool(timeouts) {}
  Answer exchange(Exchange exchange) override;
  bool loop_safe() const override { return true; }

private:
  Answer read_whole(Exchange& exchange);
  Answer start_stream(Exchange& exchange);

  http::UpstreamPool m_pool;
  http::ThreadPool m_readers; // read streamed answers; outlives no relay (each finishes before its request ends)
};

} // namespace llmgw::core::dispatch
