#pragma once
// The dashboard joined to the ledger: the writer feeds the live log with every row it stored.
// Declared after both, it unhooks and stops the dashboard first, whatever ends the server.
#include "core/dashboard/dashboard.hpp"
#include "core/dashboard/rows.hpp"
#include "store/ledger.hpp"

namespace llmgw::cli {

struct DashboardWiring {
  DashboardWiring(core::dashboard::Dashboard& dashboard, store::Ledger& ledger)
      : m_dashboard(dashboard), m_ledger(ledger) {
    ledger.set_row_observer([&dashboard](int64_t id, const core::RequestRecord& record) {
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
