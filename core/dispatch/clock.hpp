#pragma once
// Time as the dispatcher sees it: the waits between tries and the clock that cool-downs and
// benched keys are measured on go through one interface, so retries, fallbacks and retry-after
// are tested with a fake clock, without sleeping.
#include <chrono>
#include <cstdint>

namespace llmgw::core::dispatch {

class Clock {
public:
  virtual ~Clock() = default;
  // Unix epoch milliseconds (cool-downs, benched keys, session pins).
  virtual int64_t now_ms() = 0;
  // Block the calling request for `wait` (a backoff or a provider's retry-after).
  virtual void sleep_for(std::chrono::milliseconds wait) = 0;
};

// The real clock: system time and std::this_thread::sleep_for.
Clock& system_clock();

} // namespace llmgw::core::dispatch
