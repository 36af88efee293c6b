#pragma once
// Fakes of the dispatcher's seams: a clock that records waits instead of sleeping, and an
// upstream that answers from a script (or throws) and records what it was sent.
#include "core/dispatch/clock.hpp"
#include "core/dispatch/upstream.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmgw::test {

class FakeClock final : public core::dispatch::Clock {
public:
  int64_t now_ms() override {
    std::lock_guard lock(m_mutex);
    return m_now_ms;
  }
  void sleep_for(std::chrono::milliseconds wait) override {
    std::lock_guard lock(m_mutex);
    m_waits.push_back(wait.count());
    m_now_ms += wait.count();
  }
  std::vector<int64_t> waits() const {
    std::lock_guard lock(m_mutex);
    return m_waits;
  }

private:
  mutable std::mutex m_mutex;
  int64_t m_now_ms = 1'700'000'000'000;
  std::vector<int64_t> m_waits;
};

// A whole answer with a status, a body and headers.
inline core::dispatch::Answer answer(int status, std::string body = "{}", httplib::Headers headers = {}) {
  core::dispatch::Answer out;
  out.connected = true;
  out.status = status;
  out.body = std::move(body);
  out.headers = std::move(headers);
  if (out.headers.find("Content-Type") == out.headers.end()) out.headers.emplace("Content-Type", "application/json");
  return out;
}

// No connection: what an unreachable provider comes to.
inline core::dispatch::Answer unreachable() {
  core::dispatch::Answer out;
  out.error = "connection failed (refused, reset or no route)";
  return out;
}

class ScriptedUpstream final : public core::dispatch::Upstream {
public:
  using Step = std::function<core::dispatch::Answer(const core::dispatch::Exchange&)>;
  // Answers in order; once the script runs out, the last step repeats.
  void then(Step step) {
    std::lock_guard lock(m_mutex);
    m_script.push_back(std::move(step));
  }
  void then(core::dispatch::Answer reply) {
    then([reply](const core::dispatch::Exchange&) { return reply; });
  }
  core::dispatch::Answer exchange(core::dispatch::Exchange exchange) override {
    Step step;
    {
      std::lock_guard lock(m_mutex);
      m_sent.push_back({exchange.origin, exchange.request.path, exchange.request.body, exchange.request.headers});
      if (m_script.empty()) throw std::runtime_error("scripted upstream has no answer");
      step = m_script.size() > 1 ? m_script.front() : m_script.back();
      if (m_script.size() > 1) m_script.pop_front();
    }
    return step(exchange);
  }
  struct Sent {
    std::string origin, path, body;
    httplib::Headers headers;
  };
  std::vector<Sent> sent() const {
    std::lock_guard lock(m_mutex);
    return m_sent;
  }

private:
  mutable std::mutex m_mutex;
  std::deque<Step> m_script;
  std::vector<Sent> m_sent;
};

} // namespace llmgw::test
