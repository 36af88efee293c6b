#pragma once
// Prices per model in integer micro-USD per million tokens (numerically pico-USD per token), and
// exact integer cost. One lookup, used by requests and by `llmgw prices MODEL`: exact name, then
// aliases the table declares, then family rules the table declares; nothing else.
#include "core/accounting/usage.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmgw::core::pricing {

// One rate card; -1 means "not listed" (cache writes then bill at the input rate, cache reads too).
struct Rates {
  int64_t input = 0;
  int64_t output = 0;
  int64_t cache_read = -1;
  int64_t cache_write_5m = -1;
  int64_t cache_write_1h = -1;
};

struct ModelPrice {
  std::string model;    // key as looked up, e.g. "claude-sonnet-4-5" or "gemini-2.5-pro"
  std::string provider; // "openai", "anthropic", "gemini", "deepseek", "" for any
  Rates base;
  // Long-context tier: when the inclusive prompt exceeds threshold_tokens, every token uses tier.
  int64_t tier_threshold_tokens = 0; // 0 = no tier
  Rates tier;
  int64_t max_input_tokens = 0;
  int64_t max_output_tokens = 0;
  // Other names of this very model at this very price: dated snapshots, "-latest".
  std::vector<std::string> aliases;
  // Where the price comes from: "bundled", "imported FILE on DATE", "config.toml:LINE".
  std::string origin = "bundled";
  std::string checked; // date the price was last checked (YYYY-MM-DD), "" when unknown
};

// A name pattern the table prices at one of its entries until the model gets its own row:
// "claude-opus-5-*" (any non-empty rest) or "gpt-5.4-<date>" (a -YYYYMMDD or -YYYY-MM-DD suffix).
struct FamilyRule {
  std::string pattern;
  std::string entry;    // the model whose price applies
  std::string provider; // the entry's provider
};

// Why a model has the price it has; stored as TEXT on ledger rows (fixed spellings).
enum class PriceBasis { exact, alias, family };
std::string_view to_string(PriceBasis basis);

// The answer of a lookup: the price (nullptr: unpriced), how it was found, and through what —
// the alias or the family pattern that matched ("" for an exact match).
struct PriceMatch {
  const ModelPrice* price = nullptr;
  PriceBasis basis = PriceBasis::exact;
  std::string via;
  explicit operator bool() const { return price != nullptr; }
};

// Cost of usage at a price in pico-USD (tokens x micro-USD per Mtok). Picks the tier itself.
int64_t cost_usd_pico(const ModelPrice& price, const Usage& usage);

// Prices imported with `llmgw prices import` (kept in the data directory).
struct ImportedPrices {
  std::string source;      // the file imported ("-" for stdin)
  std::string imported_on; // YYYY-MM-DD
  std::vector<ModelPrice> entries;
};

class PriceTable {
public:
  // The bundled table shipped in the binary.
  static PriceTable bundled();
  // The bundled table with config overrides applied on top (they win).
  static PriceTable with_overrides(std::vector<ModelPrice> overrides);
  // Bundled, then imported (may be null), then config overrides: each layer wins over the last.
  static PriceTable layered(std::shared_ptr<const ImportedPrices> imported, std::vector<ModelPrice> overrides);

  // Version stored with each row: the bundled date, "+import DATE" and "+overrides" when used.
  const std::string& version() const { return m_version; }
  // Date of the newest data in force (bundled date or import date), YYYY-MM-DD.
  const std::string& data_date() const { return m_data_date; }
  // The imported layer this table was built with (null: none).
  const std::shared_ptr<const ImportedPrices>& imported() const { return m_imported; }

  // Add or replace an entry as a config override (marks the version "+overrides"; later layers win). An entry with
  // provider "" replaces that model under every provider. A replacement without aliases keeps the replaced entry's
  // aliases.
  void set(ModelPrice price);
  void add_family(FamilyRule rule);

  // The price a request for `model` served by `provider` uses: exact "provider/model" or model
  // (this provider's entry preferred), a declared alias, a declared family rule; then the same
  // for a model sent as "provider/model". Unknown: a match with a null price.
  PriceMatch match(std::string_view provider, std::string_view model) const;
  // match(...).price.
  const ModelPrice* find(std::string_view provider, std::string_view model) const;

  const std::vector<ModelPrice>& entries() const { return m_entries; }
  const std::vector<FamilyRule>& families() const { return m_families; }

private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using Index = std::unordered_map<std::string, std::vector<uint32_t>, Hash, std::equal_to<>>;

  // set() without marking the version: the imported layer.
  void put(ModelPrice price);
  PriceMatch match_listed(std::string_view provider, std::string_view model) const;
  const ModelPrice* pick(const Index& index, std::string_view provider, std::string_view name) const;
  void reindex();
  void index_entry(uint32_t position);

  std::string m_version;
  std::string m_data_date;
  std::shared_ptr<const ImportedPrices> m_imported;
  std::vector<ModelPrice> m_entries;
  std::vector<FamilyRule> m_families; // most specific (longest prefix) first
  Index m_by_name;                    // model -> positions in m_entries
  Index m_by_alias;                   // alias -> positions of the entries declaring it
};

} // namespace llmgw::core::pricing
