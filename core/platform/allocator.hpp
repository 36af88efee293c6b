#pragma once
// The C library allocator, set for a server that moves request and response bodies of up to a
// few megabytes.
#include <cstdint>

namespace llmgw::core::platform {

// glibc: fixed thresholds instead of its sliding ones (see allocator.cpp). Elsewhere: nothing.
// Call once at start-up, before the threads that serve requests start.
void tune_allocator();

// Hands the free memory of the allocator's heaps back to the kernel (glibc's malloc_trim); nothing
// where the C library cannot.
void release_free_memory();

// When to release: once activity (a count that grows with every request) has stopped for a whole
// interval after it last grew. tick() is called once an interval, with the count; it returns true
// when this is the time, once per stretch of activity.
class IdleRelease {
public:
  explicit IdleRelease(int64_t activity) : m_last(activity) {}
  bool tick(int64_t activity);

private:
  int64_t m_last;
  bool m_pending = false; // activity since the last release
};

} // namespace llmgw::core::platform
