#pragma once
// How reports mark what is not exact: unpriced requests, usage llmgw estimated, prices from a
// family rule. The same counts go into tables (a '*' and a footnote), JSON and CSV.
#include "store/reports.hpp"

#include <string>
#include <vector>

namespace llmgw::cli {

// The marks of one ledger row, e.g. {"estimated", "family"}; empty when its cost is exact.
// Spellings: "unpriced", "estimated", "family" (priced by a family rule).
std::vector<std::string> row_marks(const store::LoggedRequest& row);

// `llmgw log`'s cost cell: "unpriced", or "$0.001200" followed by "(est)", "(family)", "(plan)" as
// they apply, e.g. "$0.001200 (est, plan)".
std::string log_cost_cell(const store::LoggedRequest& row);

// The footnote under a usage table when the total has inexact requests, naming up to three
// models for each kind, e.g. "* 3 requests estimated (stream cut before usage), 1 unpriced (no
// price for gpt-x; not in the cost)\n". "" when everything is exact.
std::string inexact_footnote(const store::UsageRow& total, const std::vector<store::InexactModel>& models);

// The same footnote for the rows `llmgw log` printed, starting "note: " instead of "* ".
std::string log_footnote(const std::vector<store::LoggedRequest>& rows);

} // namespace llmgw::cli
