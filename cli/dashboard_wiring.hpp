#pragma once
// The dashboard joined to the ledger: the writer feeds the live log with every row it stored.
// Declared after both, it unhooks and stops the dashboard first, whatever ends the server.
#include "core/dashboard/dashboard.hpp"
#include "core/dashboard/rows.hpp"
#include "store/ledger.hpp"

#include <functional>

namespace llmgw::cli {

struct DashboardWiring {
  // also: told of every committed row too (team mode's leases); null = nothing else.
  using Also = std::function<void(const core::RequestRecord&)>;
  DashboardWiring(core::dashboard::Dashboard& dashboard, store::Ledger& ledger, Also also = nullptr)
      : m_dashboard(dashboard), m_ledger(ledger) {
    ledger.set_row_observer([&dashboard, also = std::move(also)](int64_t id, const core::RequestRecord& record) {
      if (also) also(record);
      if (dashboard.feed().watched()) dashboard.feed().publish(core::dashboard::live_event(id, record));
    });
  }
  ~DashboardWiring() {
    m_ledger.set_row_observer(nullptr);
    m_dashboard.stop();
  }
  DashboardWiring(const DashboardWiring&) = delete;
  DashboardWiring& operator=(const DashboardWiring&) = delete;
  core::dashboard::Dashboard& m_dashboard;
  store::Ledger& m_ledger;
};

} // namespace llmgw::cli
