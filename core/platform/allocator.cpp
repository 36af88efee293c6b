#include "core/platform/allocator.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <utility>

namespace llmgw::core::platform {

namespace {

// Blocks up to this size come from the heap, above it from a mapping of their own: a body of a
// few megabytes (an agent's long conversation) is served from memory already touched.
constexpr int k_mmap_threshold = 4 << 20;
// Free memory at the top of a heap is kept up to this much, not handed back to the kernel at once:
// the next large body would fault every page of it in again. What is kept goes back when requests
// stop (IdleRelease).
constexpr int k_trim_threshold = 16 << 20;

} // namespace

void tune_allocator() {
#if defined(__GLIBC__)
  // glibc slides both thresholds by itself: a freed mapped block raises them to its size. After a
  // few large bodies at once on several threads, a heap then hands its top back after nearly
  // every request and takes it again for the next, one page fault a page, and a 500 KB body cost
  // twice the CPU it did before (docs/performance.md, 2026-12-04, third session). Fixed values
  // (setting either stops the sliding) keep it at its first cost.
  mallopt(M_MMAP_THRESHOLD, k_mmap_threshold);
  mallopt(M_TRIM_THRESHOLD, k_trim_threshold);
#endif
}

void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

bool IdleRelease::tick(int64_t activity) {
  if (activity != m_last) {
    m_last = activity;
    m_pending = true;
    return false;
  }
  return std::exchange(m_pending, false);
}

} // namespace llmgw::core::platform
