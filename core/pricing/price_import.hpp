#pragma once
// Price tables users bring: LiteLLM's model_prices_and_context_window.json (the community file
// LiteLLM and ccusage use) and llmgw's own stored form of an import (prices.json in the data
// directory). Prices come out as exact integers; nothing goes through a double.
#include "core/pricing/price_table.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::pricing {

// USD per token written as JSON decimal text ("3e-06", "0.0000025") -> micro-USD per Mtok
// (= pico-USD per token), rounded to the nearest (half up). nullopt: not a number, negative, or
// above $1 per token.
std::optional<int64_t> usd_per_token_text_to_micro_per_mtok(std::string_view text);

// What an import read: the chat-capable entries, and how many records were left out.
struct LitellmImport {
  std::vector<ModelPrice> entries;
  size_t skipped = 0; // "sample_spec", non-chat modes, records without per-token input and output
};

// Parse LiteLLM's JSON. Keys "provider/model" whose prefix is the record's litellm_provider are
// stored as model under that provider ("gemini/gemini-2.5-pro" -> gemini-2.5-pro for gemini).
// Every entry gets `origin` and `checked`. Throws Error ("FILE: not LiteLLM price JSON: ...").
LitellmImport parse_litellm_prices(std::string_view json_text, const std::string& file_name, const std::string& origin,
                                   const std::string& checked);

// The stored form of an import (integers, micro-USD per Mtok), and back. Throws Error naming
// `path` when the text is not one.
std::string imported_to_json(const ImportedPrices& imported);
ImportedPrices imported_from_json(std::string_view text, const std::string& path);

// The stored import at `path`; null when there is no file. Throws Error when it cannot be read.
std::shared_ptr<const ImportedPrices> load_imported_prices(const std::string& path);

// Days from the date `yyyy_mm_dd` to the UTC day of now_ms; nullopt when the date is malformed.
std::optional<int64_t> days_since(std::string_view yyyy_mm_dd, int64_t now_ms);
// UTC day of now_ms as YYYY-MM-DD.
std::string utc_date(int64_t now_ms);
// The one warning `llmgw serve` prints when the table in force is older than max_days, else "".
std::string stale_table_warning(const PriceTable& table, int64_t now_ms, int64_t max_days = 90);

} // namespace llmgw::core::pricing
