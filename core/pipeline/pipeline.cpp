// The API request path, listed once: attribute → authenticate → parse → route → admit →
// dispatch and relay → settle. The settlement owned by the context makes "every request ends with
// an answer in its caller's format and one row" hold whatever a stage throws.
#include "core/pipeline/stages.hpp"

#include "core/policy/redaction.hpp"

#include <array>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <vector>

namespace llmgw::core::pipeline {
namespace {

using Stage = Verdict (*)(Services&, const httplib::Request&, RequestContext&);

constexpr std::array<Stage, 6> k_stages{refuse_while_draining, attribute, authenticate, parse, route, admit};

// Every request allocates one context, of over a kilobyte: too large for glibc's per-thread cache,
// so each took its slow path and made it merge its fast bins first (malloc_consolidate). A
// thread keeps a few freed context blocks for its next requests instead.
template <class T> struct KeptBlocks {
  using value_type = T;
  KeptBlocks() = default;
  template <class U> KeptBlocks(const KeptBlocks<U>&) {
  } // NOLINT(google-explicit-constructor): rebinding, as allocators do

  static constexpr size_t k_kept = 16;
  // Null once the thread's list is gone: a context freed later in the thread's exit is freed.
  static std::vector<void*>* kept() {
    thread_local bool gone = false; // trivially destructible, so still readable at thread exit
    thread_local struct Blocks {
      std::vector<void*> blocks;
      bool& gone_flag;
      ~Blocks() {
        for (void* block : blocks) ::operator delete(block);
        blocks.clear();
        gone_flag = true;
      }
    } kept_blocks{{}, gone};
    return gone ? nullptr : &kept_blocks.blocks;
  }

  T* allocate(size_t count) {
    auto* blocks_ptr = kept();
    if (count == 1 && blocks_ptr && !blocks_ptr->empty()) {
      auto& blocks = *blocks_ptr;
      void* block = blocks.back();
      blocks.pop_back();
      return static_cast<T*>(block);
    }
    return static_cast<T*>(::operator new(count * sizeof(T)));
  }
  void deallocate(T* block, size_t count) {
    auto* blocks = kept();
    if (count == 1 && blocks && blocks->size() < k_kept) {
      if (blocks->capacity() < k_kept) blocks->reserve(k_kept);
      blocks->push_back(block);
      return;
    }
    ::operator delete(block);
  }
  template <class U> bool operator==(const KeptBlocks<U>&) const { return true; }
};

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void run_stages(Services& services, const httplib::Request& request, httplib::Response& response,
                const std::shared_ptr<RequestContext>& context) {
  for (Stage stage : k_stages)
    if (auto reply = stage(services, request, *context)) return reply_locally(response, *context, std::move(*reply));
  if (context->endpoint.count_tokens && context->translated)
    return count_tokens_locally(services, request, response, *context);
  dispatch_and_relay(services, request, response, context);
}

// llmgw's own failure: a 500 in the caller's format, never a secret in it.
void reply_internal_error(httplib::Response& response, RequestContext& context, const char* what) {
  std::string message = std::string("llmgw internal error: ") + what;
  policy::redact_in_place(message, context.api_key);
  std::fprintf(stderr, "llmgw: error: %.*s %s: %s\n", static_cast<int>(context.endpoint.path.size()),
               context.endpoint.path.data(), context.model.c_str(), message.c_str());
  if (context.settlement.pending())
    reply_locally(response, context, {500, std::move(message), Outcome::internal_error, {}});
}

} // namespace

void serve_api(Services& services, const httplib::Request& request, httplib::Response& response,
               const Endpoint& endpoint, const std::string& path_model) {
  auto context = std::allocate_shared<RequestContext>(KeptBlocks<RequestContext>());
  context->started = std::chrono::steady_clock::now();
  context->endpoint = endpoint;
  context->path_model = path_model;
  context->live = services.live();
  context->record.started_at_ms = unix_ms();
  context->record.endpoint = endpoint.path;
  context->settlement = Settlement(services, *context);
  try {
    run_stages(services, request, response, context);
  } catch (const std::exception& error) {
    reply_internal_error(response, *context, error.what());
  } catch (...) {
    reply_internal_error(response, *context, "unknown exception");
  }
}

} // namespace llmgw::core::pipeline
