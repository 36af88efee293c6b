#include "store/shared_prices.hpp"

namespace llmgw::store {

void put_shared_prices(Db& db, const std::string& document_json, int64_t now_ms) {
  auto upsert = db.prepare("INSERT INTO shared_prices (id, document, updated_at_ms) VALUES (1, ?1, ?2) "
                           "ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
                           "updated_at_ms = excluded.updated_at_ms");
  upsert.bind_text(1, document_json);
  upsert.bind_int64(2, now_ms);
  upsert.run();
}

std::optional<SharedPrices> shared_prices(Db& db) {
  auto select = db.prepare("SELECT document, updated_at_ms FROM shared_prices WHERE id = 1");
  if (!select.step()) return std::nullopt;
  return SharedPrices{select.column_text(0), select.column_int64(1)};
}

int64_t shared_prices_updated_at(Db& db) {
  auto select = db.prepare("SELECT updated_at_ms FROM shared_prices WHERE id = 1");
  return select.step() ? select.column_int64(0) : 0;
}

} // namespace llmgw::store
