#include "core/platform/fiber.hpp"

#include "core/platform/poller.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define LLMGW_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LLMGW_FIBER_ASAN 1
#endif
#endif
#if defined(LLMGW_FIBER_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#if defined(__x86_64__)
// llmgw_fiber_jump(save, load): pushes the callee-saved registers and the SSE and x87 control
// words, stores the stack pointer in *save, takes load as the stack pointer and pops the same
// from it. A new fiber's stack is laid out as if it had jumped away from llmgw_fiber_entry, which
// calls r13(r12).
extern "C" void llmgw_fiber_jump(void** save, void* load);
extern "C" void llmgw_fiber_entry();
asm(R"(
  .pushsection .text
  .globl llmgw_fiber_jump
  .type llmgw_fiber_jump, @function
  .p2align 4
llmgw_fiber_jump:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size llmgw_fiber_jump, .-llmgw_fiber_jump

  .globl llmgw_fiber_entry
  .type llmgw_fiber_entry, @function
  .p2align 4
llmgw_fiber_entry:
  movq %r12, %rdi
  callq *%r13
  ud2
  .size llmgw_fiber_entry, .-llmgw_fiber_entry
  .popsection
)");
#endif

namespace llmgw::core::platform {
namespace {

// Untouched pages cost nothing: a fiber's stack is as deep as a thread's needs for the pipeline
// (JSON nesting is bounded by request_safety) and only what it used is resident.
#if defined(LLMGW_FIBER_ASAN)
constexpr size_t k_stack_bytes = size_t{4} << 20; // AddressSanitizer's frames are several times larger
#else
constexpr size_t k_stack_bytes = size_t{1} << 20;
#endif
constexpr size_t k_pooled_stacks = 128;

thread_local Fiber* t_current = nullptr;

size_t page_size() {
  static const size_t size = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// Stacks are kept for the next fiber: a request does not pay an mmap and the page faults of a
// fresh stack.
class StackPool {
public:
  void* take() {
    {
      std::lock_guard lock(m_mutex);
      if (!m_free.empty()) {
        void* stack = m_free.back();
        m_free.pop_back();
        return stack;
      }
    }
    const size_t guard = page_size();
    void* mapped = ::mmap(nullptr, guard + k_stack_bytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    ::mprotect(mapped, guard, PROT_NONE); // an overflow faults instead of writing over the heap
    return mapped;
  }

  void give(void* stack) {
#if defined(LLMGW_FIBER_ASAN)
    // A fiber that ended left its frames' poisoning behind.
    __asan_unpoison_memory_region(static_cast<char*>(stack) + page_size(), k_stack_bytes);
#endif
    {
      std::lock_guard lock(m_mutex);
      if (m_free.size() < k_pooled_stacks) {
        m_free.push_back(stack);
        return;
      }
    }
    ::munmap(stack, page_size() + k_stack_bytes);
  }

private:
  std::mutex m_mutex;
  std::vector<void*> m_free;
};

StackPool& stacks() {
  static auto* pool = new StackPool(); // never destroyed: fibers may end during exit
  return *pool;
}

// AddressSanitizer follows the stack switches (no-ops without it).
void start_switch([[maybe_unused]] void** fake_stack, [[maybe_unused]] const void* bottom,
                  [[maybe_unused]] size_t size) {
#if defined(LLMGW_FIBER_ASAN)
  __sanitizer_start_switch_fiber(fake_stack, bottom, size);
#endif
}

void finish_switch([[maybe_unused]] void* fake_stack, [[maybe_unused]] const void** bottom,
                   [[maybe_unused]] size_t* size) {
#if defined(LLMGW_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack, bottom, size);
#endif
}

#if !defined(__x86_64__)
struct Contexts {
  ucontext_t fiber;
  ucontext_t caller;
};

Contexts& contexts(void* context) { return *static_cast<Contexts*>(context); }

void ucontext_entry(unsigned high, unsigned low) {
  Fiber::enter(reinterpret_cast<Fiber*>((static_cast<uintptr_t>(high) << 32) | low));
}
#endif

// The fiber's stack pointer jumps to save the caller's in save; back when the fiber jumps back.
void jump(void** save, void* load, [[maybe_unused]] void* context, [[maybe_unused]] bool to_fiber) {
#if defined(__x86_64__)
  llmgw_fiber_jump(save, load);
#else
  auto& both = contexts(context);
  if (to_fiber)
    ::swapcontext(&both.caller, &both.fiber);
  else
    ::swapcontext(&both.fiber, &both.caller);
#endif
}

} // namespace

Fiber::Fiber(std::function<void()> body) : m_body(std::move(body)) {
  m_stack = stacks().take();
  m_stack_size = k_stack_bytes;
  char* bottom = static_cast<char*>(m_stack) + page_size();
#if defined(__x86_64__)
  // The stack as llmgw_fiber_jump leaves it: control words, r15 r14 r13 r12 rbx rbp, return address.
  auto* top = reinterpret_cast<uint64_t*>(reinterpret_cast<uintptr_t>(bottom + m_stack_size) & ~uintptr_t{15});
  top -= 2;                                                 // 16-aligned once the return has popped
  top[-1] = reinterpret_cast<uint64_t>(&llmgw_fiber_entry); // return address
  top[-2] = 0;                                              // rbp
  top[-3] = 0;                                              // rbx
  top[-4] = reinterpret_cast<uint64_t>(this);               // r12: the argument
  top[-5] = reinterpret_cast<uint64_t>(&Fiber::enter);      // r13: the function
  top[-6] = 0;                                              // r14
  top[-7] = 0;                                              // r15
  top[-8] = 0x037F'0000'1F80ull;                            // MXCSR 0x1F80, x87 control word 0x037F
  m_sp = top - 8;
#else
  auto* both = new Contexts();
  m_context = both;
  ::getcontext(&both->fiber);
  both->fiber.uc_stack.ss_sp = bottom;
  both->fiber.uc_stack.ss_size = m_stack_size;
  both->fiber.uc_link = nullptr;
  const auto address = reinterpret_cast<uintptr_t>(this);
  ::makecontext(&both->fiber, reinterpret_cast<void (*)()>(&ucontext_entry), 2, static_cast<unsigned>(address >> 32),
                static_cast<unsigned>(address & 0xFFFFFFFFu));
#endif
}

Fiber::~Fiber() {
  stacks().give(m_stack);
#if !defined(__x86_64__)
  delete static_cast<Contexts*>(m_context);
#endif
}

Fiber* Fiber::current() { return t_current; }

void Fiber::resume(bool on_loop) {
  m_on_loop = on_loop;
  m_ask = Ask::nothing;
  Fiber* outer = t_current;
  t_current = this;
  void* caller_fake_stack = nullptr;
  start_switch(&caller_fake_stack, static_cast<char*>(m_stack) + page_size(), m_stack_size);
  jump(&m_caller_sp, m_sp, m_context, true);
  finish_switch(caller_fake_stack, nullptr, nullptr);
  t_current = outer;
}

void Fiber::suspend() {
  start_switch(&m_fake_stack, m_caller_bottom, m_caller_size);
  jump(&m_sp, m_caller_sp, m_context, false);
  finish_switch(m_fake_stack, &m_caller_bottom, &m_caller_size);
}

void Fiber::enter(Fiber* self) {
  finish_switch(nullptr, &self->m_caller_bottom, &self->m_caller_size);
  try {
    self->m_body();
  } catch (const std::exception& error) {
    // The body answers its own errors; one that escapes must not unwind past the fiber's stack.
    std::fprintf(stderr, "llmgw: error: a request ended with an uncaught exception: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "llmgw: error: a request ended with an uncaught exception\n");
  }
  self->m_body = nullptr; // what it captured goes now, on the fiber's own stack
  self->m_done = true;
  start_switch(nullptr, self->m_caller_bottom, self->m_caller_size); // this stack's frames end here
  jump(&self->m_sp, self->m_caller_sp, self->m_context, false);
  std::abort(); // never resumed once done
}

bool on_event_loop() {
  const Fiber* fiber = Fiber::current();
  return fiber != nullptr && fiber->m_on_loop;
}

Fiber::Wake wait_readable(int fd, std::chrono::milliseconds timeout, SocketWatch* watch, bool or_home) {
  Fiber* fiber = Fiber::current();
  if (fiber != nullptr && fiber->m_on_loop) {
    fiber->m_ask = Fiber::Ask::readable;
    fiber->m_fd = fd;
    fiber->m_watch = watch;
    fiber->m_or_home = or_home && fd != fiber->m_home_fd;
    fiber->m_deadline = std::chrono::steady_clock::now() + timeout;
    fiber->suspend();
    return fiber->m_wake;
  }
  pollfd entry{fd, POLLIN, 0};
  const int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
  return ready == 0 ? Fiber::Wake::timeout : Fiber::Wake::ready; // EINTR: the read tries again
}

void stop_watching(SocketWatch& watch, int fd) {
  if (watch.poller == nullptr) return;
  watch.poller->unwatch(fd);
  watch.poller = nullptr;
}

HomeListener::HomeListener(std::function<void()> on_report) {
  const Fiber* fiber = Fiber::current();
  if (fiber == nullptr || fiber->home_reports() == nullptr || fiber->home_fd() < 0) return;
  m_reports = fiber->home_reports();
  m_fd = fiber->home_fd();
  m_reports->listen(m_fd, std::move(on_report));
}

HomeListener::~HomeListener() {
  if (m_reports != nullptr) m_reports->stop_listening(m_fd);
}

void leave_event_loop() {
  Fiber* fiber = Fiber::current();
  if (fiber == nullptr || !fiber->m_on_loop) return;
  fiber->m_ask = Fiber::Ask::leave;
  fiber->suspend();
}

} // namespace llmgw::core::platform
