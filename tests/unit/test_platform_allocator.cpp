// When the memory that large bodies left free goes back to the kernel (core/platform/allocator.hpp).
// The thresholds themselves are measured by tests/bench (the sweep's large bodies), not here: their
// effect shows only after concurrent bodies on several threads.
#include "core/platform/allocator.hpp"

#include <doctest/doctest.h>

using llmgw::core::platform::IdleRelease;

TEST_CASE("idle release: not while requests come, once after they stop, not again while idle") {
  IdleRelease release(100);
  CHECK_FALSE(release.tick(100)); // idle since start: nothing was taken
  CHECK_FALSE(release.tick(140)); // requests came during this interval
  CHECK_FALSE(release.tick(190)); // and during this one
  CHECK(release.tick(190));       // a whole interval without one: release
  CHECK_FALSE(release.tick(190)); // still idle: released already
  CHECK_FALSE(release.tick(190));
  CHECK_FALSE(release.tick(191)); // one more request
  CHECK(release.tick(191));       // and idle again: release again
}

TEST_CASE("idle release: a count that goes backwards (a new ledger) is activity too") {
  IdleRelease release(50);
  CHECK_FALSE(release.tick(0));
  CHECK(release.tick(0));
}
