// `llmgw prices [FILTER] [--json]`: the price table in use — bundled prices plus config overrides.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "core/config/config.hpp"
#include "core/pricing/price_table.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

namespace llmgw::cli {
namespace {

namespace pricing = core::pricing;

constexpr int64_t k_pico_per_micro = 1'000'000;

struct PricesOptions {
  bool json = false;
  std::string filter;
};

// A rate in micro-USD per Mtok as USD per 1M tokens ("3.00", "0.0028"); "-" when not listed.
std::string usd_per_mtok(int64_t rate) { return rate < 0 ? "-" : usd_decimal_string(rate * k_pico_per_micro); }

std::string threshold_text(int64_t tokens) {
  return tokens % 1000 == 0 ? std::to_string(tokens / 1000) + "k" : format_count(tokens);
}

std::string tier_text(const pricing::ModelPrice& price) {
  if (price.tier_threshold_tokens <= 0) return "-";
  const pricing::Rates& tier = price.tier;
  std::string text = ">" + threshold_text(price.tier_threshold_tokens) + ": " + usd_per_mtok(tier.input) + " / " +
                     usd_per_mtok(tier.output);
  if (tier.cache_read >= 0) text += " / read " + usd_per_mtok(tier.cache_read);
  if (tier.cache_write_5m >= 0) text += " / write " + usd_per_mtok(tier.cache_write_5m);
  if (tier.cache_write_1h >= 0) text += " (1h " + usd_per_mtok(tier.cache_write_1h) + ")";
  return text;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool matches(const pricing::ModelPrice& price, const std::string& filter) {
  return filter.empty() || lowercase(price.model).find(filter) != std::string::npos ||
         lowercase(price.provider).find(filter) != std::string::npos;
}

// The bundled table with the config file's [prices.*] overrides applied, as `serve` uses it.
pricing::PriceTable effective_table(const GlobalOptions& options) {
  // Each override's origin is already "config.toml:LINE" (set by the config loader).
  core::config::Config config = core::config::load_config(core::config::Overrides{options.config_path, {}, {}});
  return pricing::PriceTable::with_overrides(std::move(config.price_overrides));
}

nlohmann::ordered_json rate_json(int64_t rate) {
  return rate < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(rate);
}

nlohmann::ordered_json rates_json(const pricing::Rates& rates) {
  return {{"input", rate_json(rates.input)},
          {"output", rate_json(rates.output)},
          {"cache_read", rate_json(rates.cache_read)},
          {"cache_write_5m", rate_json(rates.cache_write_5m)},
          {"cache_write_1h", rate_json(rates.cache_write_1h)}};
}

void print_json(const pricing::PriceTable& table, const std::string& filter, std::ostream& out) {
  nlohmann::ordered_json doc;
  doc["version"] = table.version();
  doc["unit"] = "micro_usd_per_mtok"; // integers; null = not listed (billed at the input rate)
  auto& models = doc["models"] = nlohmann::ordered_json::array();
  for (const auto& price : table.entries()) {
    if (!matches(price, filter)) continue;
    nlohmann::ordered_json row{{"model", price.model}, {"provider", price.provider}, {"origin", price.origin}};
    row.update(rates_json(price.base));
    nlohmann::ordered_json tier;
    if (price.tier_threshold_tokens > 0) {
      tier = {{"threshold_tokens", price.tier_threshold_tokens}};
      tier.update(rates_json(price.tier));
    }
    row["long_context"] = tier;
    row["max_input_tokens"] = price.max_input_tokens;
    row["max_output_tokens"] = price.max_output_tokens;
    models.push_back(std::move(row));
  }
  out << doc.dump(2) << "\n";
}

void print_text(const pricing::PriceTable& table, const std::string& filter, std::ostream& out) {
  out << "price table " << table.version() << " (USD per 1M tokens; \"-\" = not listed, billed at the input rate)\n\n";
  Table text;
  for (const char* header : {"MODEL", "PROVIDER"}) text.add_column(header, Align::left);
  for (const char* header : {"INPUT", "OUTPUT", "CACHE READ", "WRITE 5M", "WRITE 1H"})
    text.add_column(header, Align::right);
  for (const char* header : {"LONG CONTEXT", "ORIGIN"}) text.add_column(header, Align::left);
  size_t shown = 0;
  for (const auto& price : table.entries()) {
    if (!matches(price, filter)) continue;
    const pricing::Rates& base = price.base;
    text.add_row({price.model, price.provider.empty() ? "any" : price.provider, usd_per_mtok(base.input),
                  usd_per_mtok(base.output), usd_per_mtok(base.cache_read), usd_per_mtok(base.cache_write_5m),
                  usd_per_mtok(base.cache_write_1h), tier_text(price), price.origin});
    ++shown;
  }
  if (shown == 0) {
    out << "no model matches '" << filter << "'\n";
    return;
  }
  out << text.render();
}

} // namespace

void register_prices(CLI::App& app, GlobalOptions& options) {
  auto* command = app.add_subcommand("prices", "list the model prices used for cost accounting");
  auto settings = std::make_shared<PricesOptions>();
  command->add_option("filter", settings->filter, "only models or providers containing this text");
  command->add_flag("--json", settings->json, "print JSON (integer micro-USD per million tokens)");
  command->callback([&options, settings] {
    const pricing::PriceTable table = effective_table(options);
    const std::string filter = lowercase(settings->filter);
    if (settings->json)
      print_json(table, filter, std::cout);
    else
      print_text(table, filter, std::cout);
  });
}

} // namespace llmgw::cli
