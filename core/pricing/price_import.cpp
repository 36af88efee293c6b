#include "core/pricing/price_import.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

namespace llmgw::core::pricing {
namespace {

constexpr int64_t k_pico_per_usd_exponent = 12;
constexpr int64_t k_max_micro_per_mtok = 1'000'000'000'000; // $1 per token
constexpr std::string_view k_above = "_above_";
constexpr std::string_view k_k_tokens = "k_tokens";
constexpr int64_t k_ms_per_day = 86'400'000;

// One LiteLLM record as read: its numbers as written (decimal text) and its strings.
struct RawRecord {
  std::string name;
  std::vector<std::pair<std::string, std::string>> numbers;
  std::string provider;
  std::string mode;
  const std::string* number(std::string_view field) const {
    for (const auto& [key, text] : numbers)
      if (key == field) return &text;
    return nullptr;
  }
};

// A SAX reader: numbers reach it with the text they were written as (number_float's second
// argument), so prices never go through a double. Only depth 1 (models) and 2 (their fields)
// matter; anything nested deeper (tiered_pricing, supported_endpoints) is skipped.
class LitellmReader : public nlohmann::json_sax<nlohmann::json> {
public:
  std::vector<RawRecord> records;
  std::string error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t value) override { return number(std::to_string(value)); }
  bool number_unsigned(number_unsigned_t value) override { return number(std::to_string(value)); }
  bool number_float(number_float_t, const string_t& text) override { return number(text); }
  bool string(string_t& value) override {
    if (m_depth == 2 && m_field == "litellm_provider") records.back().provider = value;
    if (m_depth == 2 && m_field == "mode") records.back().mode = value;
    return true;
  }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (m_depth == 0 && m_started) return fail("the top level is not one object");
    m_started = true;
    if (m_depth == 1) records.push_back(RawRecord{m_field, {}, {}, {}});
    ++m_depth;
    return true;
  }
  bool key(string_t& value) override {
    if (m_depth <= 2) m_field = value;
    return true;
  }
  bool end_object() override {
    --m_depth;
    return true;
  }
  bool start_array(std::size_t) override {
    if (m_depth == 0) return fail("the top level is an array, not an object of models");
    ++m_depth;
    return true;
  }
  bool end_array() override {
    --m_depth;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& exception) override {
    return fail(exception.what());
  }

private:
  bool number(const std::string& text) {
    if (m_depth == 0) return fail("the top level is a number, not an object of models");
    if (m_depth == 2) records.back().numbers.emplace_back(m_field, text);
    return true;
  }
  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }

  int m_depth = 0;
  bool m_started = false;
  std::string m_field;
};

std::optional<int64_t> rate(const RawRecord& record, std::string_view field) {
  const std::string* text = record.number(field);
  if (text == nullptr) return std::nullopt;
  return usd_per_token_text_to_micro_per_mtok(*text);
}

int64_t token_count(const RawRecord& record, std::string_view field) {
  const std::string* text = record.number(field);
  int64_t value = 0;
  if (text == nullptr || std::from_chars(text->data(), text->data() + text->size(), value).ec != std::errc()) return 0;
  return std::max<int64_t>(value, 0);
}

// The rate fields of one rate card, each with the suffix `suffix` ("" for the base card).
bool read_rates(const RawRecord& record, const std::string& suffix, Rates& rates) {
  bool any = false;
  auto take = [&](const char* field, int64_t& out) {
    if (auto value = rate(record, std::string(field) + suffix)) {
      out = *value;
      any = true;
    }
  };
  take("input_cost_per_token", rates.input);
  take("output_cost_per_token", rates.output);
  take("cache_read_input_token_cost", rates.cache_read);
  take("cache_creation_input_token_cost", rates.cache_write_5m);
  // The 1-hour write in LiteLLM is "..._above_1hr", and its long-context form "..._above_1hr<suffix>".
  take("cache_creation_input_token_cost_above_1hr", rates.cache_write_1h);
  return any;
}

// The smallest long-context threshold the record lists ("_above_200k_tokens" -> 200000), 0 if none.
int64_t tier_threshold(const RawRecord& record) {
  int64_t smallest = 0;
  for (const auto& [field, text] : record.numbers) {
    if (!field.ends_with(k_k_tokens)) continue;
    const size_t above = field.rfind(k_above);
    if (above == std::string::npos) continue;
    const char* first = field.data() + above + k_above.size();
    const char* last = field.data() + field.size() - k_k_tokens.size();
    int64_t thousands = 0;
    auto [end, ec] = std::from_chars(first, last, thousands);
    if (ec != std::errc() || end != last || thousands <= 0) continue;
    if (smallest == 0 || thousands * 1000 < smallest) smallest = thousands * 1000;
  }
  return smallest;
}

bool is_chat_mode(const std::string& mode) { return mode.empty() || mode == "chat" || mode == "responses"; }

std::optional<ModelPrice> to_price(const RawRecord& record) {
  if (record.name == "sample_spec" || !is_chat_mode(record.mode)) return std::nullopt;
  ModelPrice price;
  if (!rate(record, "input_cost_per_token") || !rate(record, "output_cost_per_token")) return std::nullopt;
  read_rates(record, "", price.base);
  if (const int64_t threshold = tier_threshold(record)) {
    price.tier = price.base; // a field the tier does not list keeps its base rate
    if (read_rates(record, "_above_" + std::to_string(threshold / 1000) + "k_tokens", price.tier))
      price.tier_threshold_tokens = threshold;
  }
  price.max_input_tokens = token_count(record, "max_input_tokens");
  price.max_output_tokens = token_count(record, "max_output_tokens");
  if (price.max_output_tokens == 0) price.max_output_tokens = token_count(record, "max_tokens");
  // "gemini/gemini-2.5-pro" of provider "gemini" is gemini-2.5-pro at gemini; "openrouter/x/y"
  // of "openrouter" is x/y at openrouter; a bare key is the model at its litellm_provider.
  price.provider = record.provider;
  price.model = record.name;
  const size_t slash = record.name.find('/');
  if (slash != std::string::npos && slash > 0 && record.name.compare(0, slash, record.provider) == 0)
    price.model = record.name.substr(slash + 1);
  if (price.model.empty()) return std::nullopt;
  return price;
}

nlohmann::ordered_json rate_json(int64_t value) {
  return value < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(value);
}

nlohmann::ordered_json rates_json(const Rates& rates) {
  return {{"input", rates.input},
          {"output", rates.output},
          {"cache_read", rate_json(rates.cache_read)},
          {"cache_write_5m", rate_json(rates.cache_write_5m)},
          {"cache_write_1h", rate_json(rates.cache_write_1h)}};
}

int64_t stored_rate(const nlohmann::json& card, const char* field) {
  const auto& value = card.at(field);
  return value.is_null() ? -1 : value.get<int64_t>();
}

Rates rates_from_json(const nlohmann::json& card) {
  return Rates{card.at("input").get<int64_t>(), card.at("output").get<int64_t>(), stored_rate(card, "cache_read"),
               stored_rate(card, "cache_write_5m"), stored_rate(card, "cache_write_1h")};
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

} // namespace

std::optional<int64_t> usd_per_token_text_to_micro_per_mtok(std::string_view text) {
  std::string digits;
  int64_t exponent = k_pico_per_usd_exponent;
  size_t i = 0;
  bool dot = false;
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      if (dot) return std::nullopt;
      dot = true;
    } else {
      digits += text[i];
      if (dot) --exponent;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && text[i] == '+') ++i;
    int64_t written = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), written);
    if (ec != std::errc() || written < -1000 || written > 1000) return std::nullopt;
    exponent += written;
    i = static_cast<size_t>(end - text.data());
  }
  if (i != text.size()) return std::nullopt;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return 0;
  // value = digits x 10^exponent in pico-USD: append zeros, or drop digits rounding half up.
  char first_dropped = '0';
  if (exponent >= 0) {
    if (exponent > 18) return std::nullopt;
    digits.append(static_cast<size_t>(exponent), '0');
  } else if (static_cast<size_t>(-exponent) > digits.size()) {
    return 0;
  } else {
    const size_t keep = digits.size() - static_cast<size_t>(-exponent);
    first_dropped = digits[keep];
    digits.resize(keep);
  }
  if (digits.size() > 18) return std::nullopt;
  int64_t value = 0;
  if (!digits.empty()) std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (first_dropped >= '5') ++value;
  if (value > k_max_micro_per_mtok) return std::nullopt;
  return value;
}

LitellmImport parse_litellm_prices(std::string_view json_text, const std::string& file_name, const std::string& origin,
                                   const std::string& checked) {
  LitellmReader reader;
  const bool parsed = nlohmann::json::sax_parse(json_text, &reader);
  if (!parsed || !reader.error.empty())
    throw Error(file_name + ": not LiteLLM price JSON: " + (reader.error.empty() ? "no models" : reader.error));
  if (reader.records.empty()) throw Error(file_name + ": not LiteLLM price JSON: no model records");
  LitellmImport out;
  out.entries.reserve(reader.records.size());
  for (const RawRecord& record : reader.records) {
    auto price = to_price(record);
    if (!price) {
      ++out.skipped;
      continue;
    }
    price->origin = origin;
    price->checked = checked;
    out.entries.push_back(std::move(*price));
  }
  return out;
}

std::string imported_to_json(const ImportedPrices& imported) {
  nlohmann::ordered_json doc;
  doc["format"] = "llmgw-prices-1";
  doc["source"] = imported.source;
  doc["imported_on"] = imported.imported_on;
  doc["unit"] = "micro_usd_per_mtok";
  auto& models = doc["models"] = nlohmann::ordered_json::array();
  for (const ModelPrice& price : imported.entries) {
    nlohmann::ordered_json row{{"model", price.model}, {"provider", price.provider}};
    row.update(rates_json(price.base));
    if (price.tier_threshold_tokens > 0) {
      row["tier_threshold_tokens"] = price.tier_threshold_tokens;
      row["tier"] = rates_json(price.tier);
    }
    row["max_input_tokens"] = price.max_input_tokens;
    row["max_output_tokens"] = price.max_output_tokens;
    row["origin"] = price.origin;
    row["checked"] = price.checked;
    models.push_back(std::move(row));
  }
  return doc.dump(1) + "\n";
}

ImportedPrices imported_from_json(std::string_view text, const std::string& path) {
  try {
    const auto doc = nlohmann::json::parse(text);
    if (doc.value("format", "") != "llmgw-prices-1") throw Error(path + ": not an llmgw price file");
    ImportedPrices imported;
    imported.source = doc.at("source").get<std::string>();
    imported.imported_on = doc.at("imported_on").get<std::string>();
    for (const auto& row : doc.at("models")) {
      ModelPrice price;
      price.model = row.at("model").get<std::string>();
      price.provider = row.at("provider").get<std::string>();
      price.base = rates_from_json(row);
      if (row.contains("tier")) {
        price.tier_threshold_tokens = row.at("tier_threshold_tokens").get<int64_t>();
        price.tier = rates_from_json(row.at("tier"));
      }
      price.max_input_tokens = row.value("max_input_tokens", int64_t{0});
      price.max_output_tokens = row.value("max_output_tokens", int64_t{0});
      price.origin = row.value("origin", "imported " + imported.source + " on " + imported.imported_on);
      price.checked = row.value("checked", imported.imported_on);
      imported.entries.push_back(std::move(price));
    }
    return imported;
  } catch (const nlohmann::json::exception& error) {
    throw Error(path + ": not an llmgw price file: " + error.what());
  }
}

std::shared_ptr<const ImportedPrices> load_imported_prices(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return nullptr;
  std::ostringstream text;
  text << file.rdbuf();
  if (!file.good() && !file.eof()) throw Error("cannot read " + path);
  return std::make_shared<const ImportedPrices>(imported_from_json(text.str(), path));
}

std::optional<int64_t> days_since(std::string_view date, int64_t now_ms) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int year = 0, month = 0, day = 0;
  if (std::from_chars(date.data(), date.data() + 4, year).ec != std::errc() ||
      std::from_chars(date.data() + 5, date.data() + 7, month).ec != std::errc() ||
      std::from_chars(date.data() + 8, date.data() + 10, day).ec != std::errc() || month < 1 || month > 12 || day < 1 ||
      day > 31)
    return std::nullopt;
  return now_ms / k_ms_per_day - days_from_civil(year, month, day);
}

std::string utc_date(int64_t now_ms) {
  // civil_from_days, the inverse of days_from_civil.
  const int64_t z = now_ms / k_ms_per_day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2);
  char text[48];
  std::snprintf(text, sizeof text, "%04lld-%02lld-%02lld", static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day));
  return text;
}

std::string stale_table_warning(const PriceTable& table, int64_t now_ms, int64_t max_days) {
  const auto age = days_since(table.data_date(), now_ms);
  if (!age || *age <= max_days) return "";
  return "the price table in force is from " + table.data_date() + " (" + std::to_string(*age) +
         " days old): costs may use outdated prices; update it with `llmgw prices import "
         "model_prices_and_context_window.json` (LiteLLM's file) or a newer llmgw";
}

} // namespace llmgw::core::pricing
