#include "core/pricing/price_table.hpp"

#include "core/pricing/bundled_prices.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace llmgw::core::pricing {
namespace {

constexpr std::string_view k_overrides_suffix = "+overrides";

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// The model without a trailing date: "-20250929" (Anthropic) or "-2025-04-14" (OpenAI).
std::string_view strip_date(std::string_view model) {
  if (model.size() > 9 && model[model.size() - 9] == '-' && all_digits(model.substr(model.size() - 8)))
    return model.substr(0, model.size() - 9);
  if (model.size() > 11) {
    std::string_view tail = model.substr(model.size() - 11); // "-YYYY-MM-DD"
    if (tail[0] == '-' && tail[5] == '-' && tail[8] == '-' && all_digits(tail.substr(1, 4)) &&
        all_digits(tail.substr(6, 2)) && all_digits(tail.substr(9, 2)))
      return model.substr(0, model.size() - 11);
  }
  return model;
}

} // namespace

// LiteLLM's generic_cost_per_token restated (§7.2): disjoint input parts times their rates plus
// output (reasoning is inside output). A prompt strictly above the threshold bills every token
// at the tier rates, as LiteLLM compares with '>'.
int64_t cost_usd_pico(const ModelPrice& price, const Usage& usage) {
  bool long_context = price.tier_threshold_tokens > 0 && usage.prompt_tokens() > price.tier_threshold_tokens;
  const Rates& rates = long_context ? price.tier : price.base;
  auto or_input = [&](int64_t rate) { return rate >= 0 ? rate : rates.input; };
  return usage.input_uncached_tokens * rates.input + usage.cache_read_tokens * or_input(rates.cache_read) +
         usage.cache_write_5m_tokens * or_input(rates.cache_write_5m) +
         usage.cache_write_1h_tokens * or_input(rates.cache_write_1h) + usage.output_tokens * rates.output;
}

PriceTable PriceTable::bundled() {
  PriceTable table;
  table.m_version = std::string(k_bundled_version);
  table.m_entries = bundled_prices();
  return table;
}

PriceTable PriceTable::with_overrides(std::vector<ModelPrice> overrides) {
  PriceTable table = bundled();
  for (auto& price : overrides) table.set(std::move(price));
  return table;
}

void PriceTable::set(ModelPrice price) {
  // An entry for any provider ("") replaces the model under every provider, so it always wins.
  // The first replaced entry keeps its place, so `llmgw prices` lists an override where it was.
  auto replaced = [model = price.model, provider = price.provider](const ModelPrice& entry) {
    return entry.model == model && (provider.empty() || entry.provider == provider);
  };
  auto first = std::find_if(m_entries.begin(), m_entries.end(), replaced);
  if (first == m_entries.end()) {
    m_entries.push_back(std::move(price));
  } else {
    *first = std::move(price);
    m_entries.erase(std::remove_if(std::next(first), m_entries.end(), replaced), m_entries.end());
  }
  if (!m_version.ends_with(k_overrides_suffix)) m_version += k_overrides_suffix;
}

const ModelPrice* PriceTable::find(std::string_view provider, std::string_view model) const {
  if (const ModelPrice* found = find_listed(provider, model)) return found;
  // Clients sometimes send "anthropic/claude-sonnet-4-5" or "gemini/gemini-2.5-pro" (LiteLLM style).
  size_t slash = model.find('/');
  if (slash != std::string_view::npos && slash > 0 && slash + 1 < model.size())
    return find(model.substr(0, slash), model.substr(slash + 1));
  return nullptr;
}

const ModelPrice* PriceTable::find_listed(std::string_view provider, std::string_view model) const {
  if (const ModelPrice* found = find_exact(provider, model)) return found;
  std::string_view undated = strip_date(model);
  if (undated.size() != model.size()) {
    if (const ModelPrice* found = find_exact(provider, undated)) return found;
  }
  // Longest listed prefix ending at a '-': "claude-sonnet-4-5-latest" -> "claude-sonnet-4-5".
  for (size_t dash = undated.rfind('-'); dash != std::string_view::npos && dash > 0;
       dash = undated.rfind('-', dash - 1)) {
    if (const ModelPrice* found = find_exact(provider, undated.substr(0, dash))) return found;
  }
  return nullptr;
}

const ModelPrice* PriceTable::find_exact(std::string_view provider, std::string_view model) const {
  const ModelPrice* any_provider = nullptr;
  for (const ModelPrice& entry : m_entries) {
    if (entry.model != model) continue;
    if (entry.provider == provider) return &entry;
    if (!any_provider) any_provider = &entry;
  }
  return any_provider;
}

} // namespace llmgw::core::pricing
