// `llmgw prices [MODEL] [--json]`: the price table in force (bundled, imported, config overrides)
// and, for a MODEL, the entry a request for it uses and why — through the request path's lookup.
// `llmgw prices import FILE|-`: store LiteLLM's JSON or llmgw's TOML prices in the data directory.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "core/config/config.hpp"
#include "core/config/private_files.hpp"
#include "core/error.hpp"
#include "core/policy/periods.hpp"
#include "core/pricing/price_import.hpp"
#include "core/pricing/price_table.hpp"
#include "store/connection.hpp"
#include "store/shared_prices.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

namespace llmgw::cli {
namespace {

namespace pricing = core::pricing;

constexpr int64_t k_pico_per_micro = 1'000'000;

struct PricesOptions {
  bool json = false;
  std::string model;
  std::string provider;
  std::string import_file;
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

// Where an entry's price comes from: "bundled 2026-11-23", "imported FILE on DATE", or
// "config override config.toml:12".
std::string source_text(const pricing::ModelPrice& price) {
  if (price.origin == "bundled") return price.checked.empty() ? "bundled" : "bundled " + price.checked;
  if (price.origin.rfind("imported ", 0) == 0) return price.origin;
  return "config override " + price.origin;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool matches(const pricing::ModelPrice& price, const std::string& filter) {
  return filter.empty() || lowercase(price.model).find(filter) != std::string::npos ||
         lowercase(price.provider).find(filter) != std::string::npos;
}

// The import `serve` uses: the shared store's in team mode (when one was imported there), else
// the data directory's.
std::shared_ptr<const pricing::ImportedPrices> imported_in_force(const GlobalOptions& options) {
  const std::string db = resolve_db_path(options);
  if (store::is_postgres_url(db)) {
    store::Db connection(db);
    if (auto stored = store::shared_prices(connection))
      return std::make_shared<const pricing::ImportedPrices>(
          pricing::imported_from_json(stored->document, "the shared store's price import"));
  }
  return pricing::load_imported_prices(core::config::default_prices_path());
}

// The table `serve` uses: bundled, the stored import, the config file's [prices.*] overrides.
pricing::PriceTable effective_table(const GlobalOptions& options) {
  // Each override's origin is already "config.toml:LINE" (set by the config loader).
  core::config::Config config = core::config::load_config(core::config::Overrides{options.config_path, {}, {}});
  return pricing::PriceTable::layered(imported_in_force(options), std::move(config.price_overrides));
}

// Why MODEL has its price, in words: "exact entry", "alias of X", "family rule P -> X".
std::string why_text(const std::string& model, const pricing::PriceMatch& match) {
  if (!match) return model + ": no price: requests for it are recorded unpriced (cost unknown, never $0)";
  const pricing::ModelPrice& price = *match.price;
  const std::string entry =
      price.model + " (" + (price.provider.empty() ? "any" : price.provider) + ", " + source_text(price) + ")";
  switch (match.basis) {
  case pricing::PriceBasis::exact: return model + ": exact entry " + entry;
  case pricing::PriceBasis::alias: return model + ": alias of " + entry;
  case pricing::PriceBasis::family:
    return model + ": family rule '" + match.via + "' prices it as " + entry +
           "; its rows are marked family until the model is listed";
  }
  return model;
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

nlohmann::ordered_json entry_json(const pricing::ModelPrice& price) {
  nlohmann::ordered_json row{{"model", price.model}, {"provider", price.provider}};
  row.update(rates_json(price.base));
  nlohmann::ordered_json tier;
  if (price.tier_threshold_tokens > 0) {
    tier = {{"threshold_tokens", price.tier_threshold_tokens}};
    tier.update(rates_json(price.tier));
  }
  row["long_context"] = tier;
  row["max_input_tokens"] = price.max_input_tokens;
  row["max_output_tokens"] = price.max_output_tokens;
  row["aliases"] = price.aliases;
  row["origin"] = price.origin;
  row["source"] = source_text(price);
  row["checked"] = price.checked;
  return row;
}

void print_prices_json(const pricing::PriceTable& table, const PricesOptions& settings, std::ostream& out) {
  nlohmann::ordered_json doc;
  doc["version"] = table.version();
  doc["data_date"] = table.data_date();
  doc["unit"] = "micro_usd_per_mtok"; // integers; null = not listed (billed at the input rate)
  const std::string filter = lowercase(settings.model);
  if (!settings.model.empty()) {
    const auto match = table.match(settings.provider, settings.model);
    nlohmann::ordered_json answer{{"model", settings.model}, {"priced", match.price != nullptr}};
    if (match) {
      answer["basis"] = pricing::to_string(match.basis);
      answer["via"] = match.via;
      answer["entry"] = entry_json(*match.price);
    }
    doc["match"] = answer;
  }
  auto& models = doc["models"] = nlohmann::ordered_json::array();
  for (const auto& price : table.entries())
    if (matches(price, filter)) models.push_back(entry_json(price));
  auto& families = doc["families"] = nlohmann::ordered_json::array();
  for (const auto& rule : table.families())
    families.push_back({{"pattern", rule.pattern}, {"entry", rule.entry}, {"provider", rule.provider}});
  out << doc.dump(2) << "\n";
}

size_t print_price_rows(const std::vector<const pricing::ModelPrice*>& rows, std::ostream& out) {
  // Compact (under 100 columns): model, provider, input, output, cache read.
  Table text;
  const auto column = [&](const char* header, Align align, const char* compact_header, bool compact, int drop) {
    Column c;
    c.header = header;
    c.align = align;
    c.compact_header = compact_header;
    c.compact = compact;
    c.drop = drop;
    c.shrink = align == Align::left;
    text.add_column(c);
  };
  column("MODEL", Align::left, "", true, 0);
  column("PROVIDER", Align::left, "PROV", true, 3);
  column("INPUT", Align::right, "IN", true, 0);
  column("OUTPUT", Align::right, "OUT", true, 0);
  column("CACHE READ", Align::right, "READ", true, 2);
  column("WRITE 5M", Align::right, "", false, 1);
  column("WRITE 1H", Align::right, "", false, 1);
  column("LONG CONTEXT", Align::left, "", false, 0);
  column("SOURCE", Align::left, "", false, 0);
  for (const auto* price : rows) {
    const pricing::Rates& base = price->base;
    text.add_row({price->model, price->provider.empty() ? "any" : price->provider, usd_per_mtok(base.input),
                  usd_per_mtok(base.output), usd_per_mtok(base.cache_read), usd_per_mtok(base.cache_write_5m),
                  usd_per_mtok(base.cache_write_1h), tier_text(*price), source_text(*price)});
  }
  if (!rows.empty()) out << text.render();
  return rows.size();
}

void print_prices_text(const pricing::PriceTable& table, const PricesOptions& settings, std::ostream& out) {
  std::vector<const pricing::ModelPrice*> rows;
  if (!settings.model.empty()) {
    // The answer a request for MODEL gets, from the request path's own lookup.
    const auto match = table.match(settings.provider, settings.model);
    out << why_text(settings.model, match) << "\n";
    if (match) {
      if (!match.price->aliases.empty()) {
        out << "aliases:";
        for (const auto& alias : match.price->aliases) out << " " << alias;
        out << "\n";
      }
      out << "\n";
      print_price_rows({match.price}, out);
      return;
    }
  }
  const std::string filter = lowercase(settings.model);
  for (const auto& price : table.entries())
    if (matches(price, filter)) rows.push_back(&price);
  if (rows.empty()) {
    if (settings.model.empty()) out << "the price table is empty\n";
    return;
  }
  out << (settings.model.empty() ? "" : "\nentries containing '" + settings.model + "':\n");
  out << "price table " << table.version() << ", USD per 1M tokens\n\"-\" = not listed, billed at the input rate\n\n";
  print_price_rows(rows, out);
  if (settings.model.empty() && !table.families().empty()) {
    out << "\nfamily rules (priced at the entry until listed; rows marked family):\n";
    for (const auto& rule : table.families()) out << "  " << rule.pattern << " -> " << rule.entry << "\n";
  }
}

std::string read_input(const std::string& file) {
  std::ostringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read " + file);
  text << in.rdbuf();
  return text.str();
}

// A TOML file in the config's [prices."model"] form: its entries, as config overrides parse them.
std::vector<pricing::ModelPrice> parse_toml_prices(const std::string& text, const std::string& name) {
  core::config::Config parsed = core::config::parse_config(text, name);
  if (parsed.price_overrides.empty()) throw Error(name + ": no [prices.\"MODEL\"] tables");
  return std::move(parsed.price_overrides);
}

void run_import(const PricesOptions& settings, const GlobalOptions& options, std::ostream& out) {
  const std::string name = settings.import_file == "-" ? "stdin" : settings.import_file;
  const std::string text = read_input(settings.import_file);
  pricing::ImportedPrices imported;
  imported.source = name;
  imported.imported_on = pricing::utc_date(core::policy::now_ms());
  const std::string origin = "imported " + name + " on " + imported.imported_on;
  size_t skipped = 0;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    auto litellm = pricing::parse_litellm_prices(text, name, origin, imported.imported_on);
    imported.entries = std::move(litellm.entries);
    skipped = litellm.skipped;
  } else {
    imported.entries = parse_toml_prices(text, name);
    for (auto& price : imported.entries) {
      price.origin = origin;
      price.checked = imported.imported_on;
    }
  }
  const std::string db = resolve_db_path(options);
  std::string where;
  if (store::is_postgres_url(db)) {
    store::Db connection(db);
    store::put_shared_prices(connection, pricing::imported_to_json(imported), core::policy::now_ms());
    where = "the shared store (replaces the previous import); every llmgw serve sharing it uses them within a second";
  } else {
    const std::string path = core::config::default_prices_path();
    core::config::write_private_file(path, pricing::imported_to_json(imported));
    where = path + " (replaces the previous import); a running `llmgw serve` uses them within a second";
  }
  out << "imported " << imported.entries.size() << " prices from " << name;
  if (skipped > 0) out << " (" << skipped << " entries left out: not chat models, or without per-token prices)";
  out << "\nstored in " << where << "\n"
      << "config.toml [prices.*] overrides still win over imported prices\n";
}

} // namespace

void register_prices(CLI::App& app, GlobalOptions& options) {
  auto* command = app.add_subcommand(
      "prices", "the model prices used for cost accounting; with MODEL, the price a request for it uses and why");
  auto settings = std::make_shared<PricesOptions>();
  command->add_option("model", settings->model, "a model name: the entry its requests use and why (else a filter)");
  command->add_option("--provider", settings->provider, "the provider family the request goes to (openai, ...)");
  command->add_flag("--json", settings->json, "print JSON (integer micro-USD per million tokens)");
  auto* import = command->add_subcommand(
      "import", "store prices from LiteLLM's model_prices_and_context_window.json or a TOML [prices.*] file");
  import->add_option("file", settings->import_file, "the file to import, - for stdin")->required();
  import->callback([&options, settings] { run_import(*settings, options, std::cout);
});
command->callback([&options, settings, import] {
  if (import->parsed()) return;
  const pricing::PriceTable table = effective_table(options);
  if (settings->json)
    print_prices_json(table, *settings, std::cout);
  else
    print_prices_text(table, *settings, std::cout);
});
} // namespace llmgw::cli

} // namespace llmgw::cli
