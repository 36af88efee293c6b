#pragma once
// The price data compiled into the binary (see bundled_prices.cpp for sources).
#include "core/pricing/price_table.hpp"

#include <string_view>
#include <vector>

namespace llmgw::core::pricing {

// Date the bundled list prices were last checked (PROTOCOLS.md §7.3), stored with each request.
inline constexpr std::string_view k_bundled_version = "2026-11-23";

// Every bundled entry, in display order (provider, then family).
std::vector<ModelPrice> bundled_prices();

} // namespace llmgw::core::pricing
