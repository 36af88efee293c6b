#pragma once
// The price data compiled into the binary (see bundled_prices.cpp for sources).
#include "core/pricing/price_table.hpp"

#include <string_view>
#include <vector>

namespace llmgw::core::pricing {

// Date of the bundled table (the newest check of its rows), stored with each request and compared
// with today by `llmgw serve` (a stale table is warned about).
inline constexpr std::string_view k_bundled_version = "2026-12-02";

// Every bundled entry, in display order (provider, then family), each with its aliases and the
// date its price was checked.
std::vector<ModelPrice> bundled_prices();

// The family rules of the bundled table: models priced at a listed sibling until listed themselves.
std::vector<FamilyRule> bundled_families();

} // namespace llmgw::core::pricing
