#include "cli/report_marks.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw::cli;
using llmgw::core::UsageSource;
using llmgw::store::InexactModel;
using llmgw::store::LoggedRequest;
using llmgw::store::UsageRow;

namespace {

LoggedRequest logged(const std::string& model, int64_t cost_usd_pico) {
  LoggedRequest row;
  row.record = llmgw::test::sample_record();
  row.record.served_model = model;
  row.record.cost_usd_pico = cost_usd_pico;
  row.price_basis = "exact";
  return row;
}

} // namespace

TEST_SUITE("cli report marks") {
  TEST_CASE("an exact total has no footnote") {
    UsageRow total;
    total.requests = 3;
    CHECK(inexact_footnote(total, {}) == "");
    CHECK_FALSE(total.inexact());
  }

  TEST_CASE("the footnote counts estimated, unpriced and family-priced requests and names their models") {
    UsageRow total;
    total.estimated_requests = 3;
    total.unpriced_requests = 1;
    total.family_priced_requests = 2;
    CHECK(total.inexact());
    const std::vector<InexactModel> models{{"claude-opus-5-5", 0, 1, 2}, {"gpt-x", 1, 2, 0}};
    CHECK(inexact_footnote(total, models) ==
          "* 3 requests estimated (stream cut before usage), 1 unpriced (no price for gpt-x; not in the cost), 2 "
          "priced by a family rule (claude-opus-5-5)\n");
  }

  TEST_CASE("the footnote names three models and counts the rest") {
    UsageRow total;
    total.unpriced_requests = 5;
    const std::vector<InexactModel> models{
        {"a", 1, 0, 0}, {"b", 1, 0, 0}, {"c", 1, 0, 0}, {"d", 1, 0, 0}, {"", 1, 0, 0}};
    CHECK(inexact_footnote(total, models) == "* 5 unpriced (no price for a, b, c and 2 more; not in the cost)\n");
    total.unpriced_requests = 0;
    total.estimated_requests = 1;
    CHECK(inexact_footnote(total, models) == "* 1 request estimated (stream cut before usage)\n");
  }

  TEST_CASE("a log row's cost cell spells out what is not exact") {
    LoggedRequest row = logged("m", 1'200'000);
    CHECK(log_cost_cell(row) == "$0.0000012");
    CHECK(row_marks(row).empty());
    row.record.usage_source = UsageSource::estimated;
    CHECK(log_cost_cell(row) == "$0.0000012 (est)");
    row.price_basis = "family";
    row.record.billed_to_client = true;
    CHECK(log_cost_cell(row) == "$0.0000012 (est, family, plan)");
    CHECK(row_marks(row) == std::vector<std::string>{"estimated", "family"});
    row.record.unpriced = true;
    CHECK(log_cost_cell(row) == "unpriced (est)");
    CHECK(row_marks(row) == std::vector<std::string>{"unpriced", "estimated", "family"});
  }

  TEST_CASE("the log footnote counts the rows shown") {
    LoggedRequest exact = logged("m", 1);
    LoggedRequest estimated = logged("gpt-5-mini", 2);
    estimated.record.usage_source = UsageSource::estimated;
    LoggedRequest unpriced = logged("gpt-x", 0);
    unpriced.record.unpriced = true;
    CHECK(log_footnote({exact}) == "");
    CHECK(log_footnote({exact, estimated, estimated, unpriced}) ==
          "note: 2 requests estimated (stream cut before usage), 1 unpriced (no price for gpt-x; not in the cost)\n");
  }
}
