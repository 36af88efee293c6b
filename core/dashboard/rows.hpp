#pragma once
// JSON shapes the dashboard API shares between the ledger's answers and the live feed
// (docs/dashboard-api.md): money as USD numbers, times as unix epoch milliseconds.
#include "core/accounting/request_record.hpp"
#include "core/pricing/price_table.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace llmgw::core::dashboard {

// Pico-USD as a USD number (the page formats it).
double usd(int64_t pico);
// Share of the prompt read from a cache: cache_read / (input + cache_read + cache_write); 0 when
// there was no prompt.
double cache_read_share(int64_t input_tokens, int64_t cache_read_tokens, int64_t cache_write_tokens);
// One row of /dashboard/api/requests (and of a live `request` event).
nlohmann::json request_row(int64_t id, const RequestRecord& record);
// The row plus usage, cost, attempts, timings and error: /dashboard/api/requests/ID.
nlohmann::json request_detail(int64_t id, const RequestRecord& record, const std::string& price_basis);
// A detail's cost by part ([{"kind","tokens","usd"}]) at the prices in force for its provider
// and model; empty when they do not give the recorded total (the price changed since, or none).
nlohmann::json cost_parts_json(const pricing::PriceTable& prices, const nlohmann::json& detail);
// The SSE frame of a live event: "event: request\ndata: {row}\n\n".
std::string live_event(int64_t id, const RequestRecord& record);

} // namespace llmgw::core::dashboard
