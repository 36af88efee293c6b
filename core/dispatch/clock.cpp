#include "core/dispatch/clock.hpp"

#include "core/policy/periods.hpp"

#include <thread>

namespace llmgw::core::dispatch {
namespace {

class SystemClock final : public Clock {
public:
  int64_t now_ms() override { return policy::now_ms(); }
  void sleep_for(std::chrono::milliseconds wait) override { std::this_thread::sleep_for(wait); }
};

} // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

} // namespace llmgw::core::dispatch
