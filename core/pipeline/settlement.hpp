#pragma once
// The end of every request, by construction: price the usage, release the cap reservation, hand
// one row to the ledger and drop the in-flight count — exactly once. A Settlement is move-only
// and owned by the request's context; if nothing settled it by the time it is destroyed (an
// exception, a dropped response), its destructor does, recording an internal error.
#include "core/protocol/response_observer.hpp"

namespace llmgw::core::pipeline {

class Services;
struct RequestContext;

class Settlement {
public:
  Settlement() = default;
  // Counts the request in flight until it is settled.
  Settlement(Services& services, RequestContext& context);
  Settlement(Settlement&& other) noexcept;
  Settlement& operator=(Settlement&& other) noexcept;
  Settlement(const Settlement&) = delete;
  Settlement& operator=(const Settlement&) = delete;
  ~Settlement();

  // Settle with the usage `observer` saw (null: none). Later calls do nothing; never throws.
  void settle(const protocol::ResponseObserver* observer) noexcept;
  bool pending() const { return m_context != nullptr; }

private:
  void settle_now(const protocol::ResponseObserver* observer);

  Services* m_services = nullptr;
  RequestContext* m_context = nullptr;
};

} // namespace llmgw::core::pipeline
