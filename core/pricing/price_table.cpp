#include "core/pricing/price_table.hpp"

#include "core/pricing/bundled_prices.hpp"
#include "core/pricing/cost_parts.hpp"

#include <algorithm>
#include <cctype>

namespace llmgw::core::pricing {
namespace {

constexpr std::string_view k_overrides_suffix = "+overrides";
constexpr std::string_view k_any_rest = "*";
constexpr std::string_view k_date_rest = "<date>";

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// "20250929" (Anthropic) or "2025-04-14" (OpenAI).
bool is_date(std::string_view text) {
  if (text.size() == 8) return all_digits(text);
  return text.size() == 10 && text[4] == '-' && text[7] == '-' && all_digits(text.substr(0, 4)) &&
         all_digits(text.substr(5, 2)) && all_digits(text.substr(8, 2));
}

// A family pattern ends in "*" (any non-empty rest) or "<date>" (a date and nothing else).
bool matches_family(std::string_view pattern, std::string_view model) {
  for (std::string_view rest_kind : {k_any_rest, k_date_rest}) {
    if (!pattern.ends_with(rest_kind)) continue;
    std::string_view prefix = pattern.substr(0, pattern.size() - rest_kind.size());
    if (!model.starts_with(prefix) || model.size() == prefix.size()) return false;
    return rest_kind == k_any_rest || is_date(model.substr(prefix.size()));
  }
  return pattern == model;
}

size_t family_prefix_size(const FamilyRule& rule) { return rule.pattern.find_first_of("*<"); }

} // namespace

std::string_view to_string(PriceBasis basis) {
  switch (basis) {
  case PriceBasis::exact: return "exact";
  case PriceBasis::alias: return "alias";
  case PriceBasis::family: return "family";
  }
  return "exact";
}

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

std::vector<CostPart> cost_parts(const ModelPrice& price, const Usage& usage) {
  bool long_context = price.tier_threshold_tokens > 0 && usage.prompt_tokens() > price.tier_threshold_tokens;
  const Rates& rates = long_context ? price.tier : price.base;
  auto or_input = [&](int64_t rate) { return rate >= 0 ? rate : rates.input; };
  const CostPart all[] = {
      {"input", usage.input_uncached_tokens, usage.input_uncached_tokens * rates.input},
      {"cache_read", usage.cache_read_tokens, usage.cache_read_tokens * or_input(rates.cache_read)},
      {"cache_write_5m", usage.cache_write_5m_tokens, usage.cache_write_5m_tokens * or_input(rates.cache_write_5m)},
      {"cache_write_1h", usage.cache_write_1h_tokens, usage.cache_write_1h_tokens * or_input(rates.cache_write_1h)},
      {"output", usage.output_tokens, usage.output_tokens * rates.output}};
  std::vector<CostPart> parts;
  for (const CostPart& part : all)
    if (part.tokens > 0) parts.push_back(part);
  return parts;
}

PriceTable PriceTable::bundled() {
  PriceTable table;
  table.m_version = std::string(k_bundled_version);
  table.m_data_date = std::string(k_bundled_version);
  table.m_entries = bundled_prices();
  for (auto& rule : bundled_families()) table.add_family(std::move(rule));
  table.reindex();
  return table;
}

PriceTable PriceTable::with_overrides(std::vector<ModelPrice> overrides) {
  return layered(nullptr, std::move(overrides));
}

PriceTable PriceTable::layered(std::shared_ptr<const ImportedPrices> imported, std::vector<ModelPrice> overrides) {
  PriceTable table = bundled();
  if (imported && !imported->entries.empty()) {
    for (const auto& price : imported->entries) table.put(price);
    table.m_version = std::string(k_bundled_version) + "+import " + imported->imported_on;
    table.m_data_date = std::max(table.m_data_date, imported->imported_on);
  }
  table.m_imported = std::move(imported);
  for (auto& price : overrides) table.set(std::move(price));
  return table;
}

void PriceTable::set(ModelPrice price) {
  put(std::move(price));
  if (!m_version.ends_with(k_overrides_suffix)) m_version += k_overrides_suffix;
}

void PriceTable::put(ModelPrice price) {
  // An entry for any provider ("") replaces the model under every provider, so it always wins.
  // The first replaced entry keeps its place, so `llmgw prices` lists an override where it was.
  auto found = m_by_name.find(std::string_view(price.model));
  std::vector<uint32_t> replaced;
  if (found != m_by_name.end())
    for (uint32_t position : found->second)
      if (price.provider.empty() || m_entries[position].provider == price.provider) replaced.push_back(position);
  if (replaced.empty()) {
    m_entries.push_back(std::move(price));
    index_entry(static_cast<uint32_t>(m_entries.size() - 1));
    return;
  }
  ModelPrice& first = m_entries[replaced.front()];
  if (price.aliases.empty()) price.aliases = std::move(first.aliases);
  first = std::move(price);
  if (replaced.size() > 1) {
    std::sort(replaced.begin() + 1, replaced.end(), std::greater<>());
    for (auto it = replaced.begin() + 1; it != replaced.end(); ++it)
      m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(*it));
  }
  reindex(); // rare: aliases or positions changed
}

void PriceTable::add_family(FamilyRule rule) {
  auto longer = [](const FamilyRule& a, const FamilyRule& b) { return family_prefix_size(a) > family_prefix_size(b); };
  m_families.insert(std::upper_bound(m_families.begin(), m_families.end(), rule, longer), std::move(rule));
}

void PriceTable::reindex() {
  m_by_name.clear();
  m_by_alias.clear();
  m_by_name.reserve(m_entries.size());
  for (uint32_t i = 0; i < m_entries.size(); ++i) index_entry(i);
}

void PriceTable::index_entry(uint32_t position) {
  const ModelPrice& entry = m_entries[position];
  m_by_name[entry.model].push_back(position);
  for (const auto& alias : entry.aliases) m_by_alias[alias].push_back(position);
}

const ModelPrice* PriceTable::pick(const Index& index, std::string_view provider, std::string_view name) const {
  auto found = index.find(name);
  if (found == index.end()) return nullptr;
  for (uint32_t position : found->second)
    if (m_entries[position].provider == provider) return &m_entries[position];
  return &m_entries[found->second.front()];
}

PriceMatch PriceTable::match(std::string_view provider, std::string_view model) const {
  if (PriceMatch found = match_listed(provider, model)) return found;
  // Clients sometimes send "anthropic/claude-sonnet-4-5" or "gemini/gemini-2.5-pro" (LiteLLM style).
  size_t slash = model.find('/');
  if (slash != std::string_view::npos && slash > 0 && slash + 1 < model.size())
    return match(model.substr(0, slash), model.substr(slash + 1));
  return {};
}

const ModelPrice* PriceTable::find(std::string_view provider, std::string_view model) const {
  return match(provider, model).price;
}

PriceMatch PriceTable::match_listed(std::string_view provider, std::string_view model) const {
  // This provider's own entry first, then a "provider/model" key, then the model under any provider.
  if (const ModelPrice* exact = pick(m_by_name, provider, model); exact && exact->provider == provider)
    return {exact, PriceBasis::exact, ""};
  if (!provider.empty()) {
    std::string keyed = std::string(provider) + "/" + std::string(model);
    if (const ModelPrice* exact = pick(m_by_name, provider, keyed)) return {exact, PriceBasis::exact, ""};
  }
  if (const ModelPrice* exact = pick(m_by_name, provider, model)) return {exact, PriceBasis::exact, ""};
  if (const ModelPrice* aliased = pick(m_by_alias, provider, model))
    return {aliased, PriceBasis::alias, std::string(model)};
  for (const FamilyRule& rule : m_families) {
    if (!matches_family(rule.pattern, model)) continue;
    if (const ModelPrice* entry = pick(m_by_name, rule.provider, rule.entry))
      return {entry, PriceBasis::family, rule.pattern};
  }
  return {};
}

} // namespace llmgw::core::pricing
