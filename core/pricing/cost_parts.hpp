#pragma once
// A cost split by kind of token, for a request's detail (the dashboard): the same rates and tier
// cost_usd_pico() uses, so the parts add up to its total exactly.
#include "core/accounting/usage.hpp"
#include "core/pricing/price_table.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmgw::core::pricing {

struct CostPart {
  std::string kind; // input, cache_read, cache_write_5m, cache_write_1h, output
  int64_t tokens = 0;
  int64_t usd_pico = 0;
};

// The parts with tokens, in that order; their usd_pico add up to cost_usd_pico(price, usage).
std::vector<CostPart> cost_parts(const ModelPrice& price, const Usage& usage);

} // namespace llmgw::core::pricing
