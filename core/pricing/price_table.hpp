#pragma once
// Prices per model in integer micro-USD per million tokens, and exact integer cost.
#include "core/accounting/usage.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  std::string origin = "bundled"; // "bundled" or "config.toml:LINE"
};

// Cost of usage at a price in pico-USD (tokens x micro-USD per Mtok). Picks the tier itself.
int64_t cost_usd_pico(const ModelPrice& price, const Usage& usage);

class PriceTable {
public:
  // The bundled table shipped in the binary.
  static PriceTable bundled();
  // The bundled table with config overrides applied on top (they win).
  static PriceTable with_overrides(std::vector<ModelPrice> overrides);

  // Version string of the bundled data plus "+overrides" when config changed it.
  const std::string& version() const { return m_version; }

  // Add or replace an entry (config overrides win over bundled prices). An entry with provider
  // "" replaces that model under every provider.
  void set(ModelPrice price);

  // Lookup order: exact "provider/model", exact model, model without a date suffix
  // ("-20250929", "-2025-04-14"), then the longest listed prefix ending at a '-'. nullptr if none.
  const ModelPrice* find(std::string_view provider, std::string_view model) const;

  const std::vector<ModelPrice>& entries() const { return m_entries; }

private:
  // The lookup cascade for one provider/model pair, without the "provider/" retry.
  const ModelPrice* find_listed(std::string_view provider, std::string_view model) const;
  // The entry named model, preferring the given provider over any other.
  const ModelPrice* find_exact(std::string_view provider, std::string_view model) const;

  std::string m_version;
  std::vector<ModelPrice> m_entries;
};

} // namespace llmgw::core::pricing
