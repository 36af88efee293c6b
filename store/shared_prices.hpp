#pragma once
// Imported prices kept in a store several instances share (team mode on PostgreSQL): `llmgw prices
// import` on one machine reaches every instance through the settings revision (store/settings.hpp).
#include "store/db.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::store {

// The stored import (llmgw's JSON price document, core::pricing::imported_to_json) and when it
// was stored.
struct SharedPrices {
  std::string document;
  int64_t updated_at_ms = 0;
};

// Replace the stored import; bumps the settings revision, so running servers re-read it.
void put_shared_prices(Db& db, const std::string& document_json, int64_t now_ms);
// The stored import; nullopt when none was stored.
std::optional<SharedPrices> shared_prices(Db& db);
// When the stored import last changed (0: never), without reading it.
int64_t shared_prices_updated_at(Db& db);

} // namespace llmgw::store
