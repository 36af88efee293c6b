// A request detail's cost by part: the parts add up to the recorded total, at the tier the
// request's prompt falls in, and none are shown when today's prices no longer give that total.
#include "core/dashboard/rows.hpp"
#include "core/pricing/cost_parts.hpp"
#include "core/pricing/price_table.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

using namespace llmgw::core;

RequestRecord priced_record(const pricing::PriceTable& table, const std::string& provider, const std::string& model,
                            Usage usage) {
  RequestRecord record;
  record.provider = provider;
  record.requested_model = model;
  record.served_model = model;
  record.usage = usage;
  const pricing::ModelPrice* price = table.find(provider, model);
  REQUIRE(price != nullptr);
  record.cost_usd_pico = pricing::cost_usd_pico(*price, usage);
  return record;
}

int64_t parts_pico(const pricing::PriceTable& table, const RequestRecord& record) {
  int64_t sum = 0;
  for (const auto& part : pricing::cost_parts(*table.find(record.provider, record.served_model), record.usage))
    sum += part.usd_pico;
  return sum;
}

} // namespace

TEST_CASE("dashboard cost parts: every kind of token with its price, adding up to the recorded total") {
  const auto table = pricing::PriceTable::bundled();
  Usage usage;
  usage.input_uncached_tokens = 1200;
  usage.cache_read_tokens = 30000;
  usage.cache_write_5m_tokens = 2000;
  usage.cache_write_1h_tokens = 500;
  usage.output_tokens = 800;
  usage.reasoning_tokens = 300;
  const RequestRecord record = priced_record(table, "anthropic", "claude-sonnet-4-5", usage);
  CHECK(record.cost_usd_pico > 0);
  CHECK(parts_pico(table, record) == record.cost_usd_pico);

  const auto detail = dashboard::request_detail(7, record, "exact");
  CHECK(detail["cost"]["total_usd_pico"] == record.cost_usd_pico);
  const auto parts = dashboard::cost_parts_json(table, detail);
  REQUIRE(parts.size() == 5);
  CHECK(parts[0]["kind"] == "input");
  CHECK(parts[1]["kind"] == "cache_read");
  CHECK(parts[1]["tokens"] == 30000);
  CHECK(parts[4]["kind"] == "output");
  CHECK(parts[4]["tokens"] == 800);
  double sum = 0;
  for (const auto& part : parts) sum += part["usd"].get<double>();
  CHECK(sum == doctest::Approx(detail["cost"]["total_usd"].get<double>()).epsilon(1e-12));
  // Cache reads cost less than input per token for this model.
  CHECK(parts[1]["usd"].get<double>() / 30000 < parts[0]["usd"].get<double>() / 1200);
}

TEST_CASE("dashboard cost parts: a long prompt's parts use the long-context tier") {
  const auto table = pricing::PriceTable::bundled();
  const pricing::ModelPrice* price = table.find("gemini", "gemini-2.5-pro");
  REQUIRE(price != nullptr);
  REQUIRE(price->tier_threshold_tokens > 0);
  Usage usage;
  usage.input_uncached_tokens = price->tier_threshold_tokens + 1000;
  usage.output_tokens = 100;
  const RequestRecord record = priced_record(table, "gemini", "gemini-2.5-pro", usage);
  CHECK(parts_pico(table, record) == record.cost_usd_pico);
  const auto parts = pricing::cost_parts(*price, usage);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].usd_pico == usage.input_uncached_tokens * price->tier.input);
}

TEST_CASE("dashboard cost parts: none when the prices in force give another total, or there is no price") {
  const auto table = pricing::PriceTable::bundled();
  Usage usage;
  usage.input_uncached_tokens = 100;
  usage.output_tokens = 10;
  RequestRecord record = priced_record(table, "anthropic", "claude-sonnet-4-5", usage);
  record.cost_usd_pico += 1; // priced otherwise at the time (an import or an override since)
  CHECK(dashboard::cost_parts_json(table, dashboard::request_detail(1, record, "exact")).empty());
  record.served_model = record.requested_model = "no-such-model-anywhere";
  CHECK(dashboard::cost_parts_json(table, dashboard::request_detail(1, record, "")).empty());
}
