// Prices users bring: LiteLLM's JSON converted exactly, the stored import, the stale-table warning.
#include "core/error.hpp"
#include "core/pricing/price_import.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace llmgw::core::pricing;

namespace {

// A LiteLLM-shaped file: sample_spec, `count` generated chat models, a few records to leave out.
std::string litellm_file(int count) {
  std::string text = R"({"sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "chat"},)";
  text += R"("gpt-4.1-nano": {"input_cost_per_token": 1e-07, "output_cost_per_token": 4e-07,)"
          R"( "cache_read_input_token_cost": 2.5e-08, "litellm_provider": "openai", "mode": "chat",)"
          R"( "max_input_tokens": 1047576, "max_output_tokens": 32768, "supports_vision": true,)"
          R"( "supported_endpoints": ["/v1/chat/completions"], "tiered_pricing": [{"range": [0, 1]}]},)";
  text += R"("gemini/gemini-2.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,)"
          R"( "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05,)"
          R"( "cache_read_input_token_cost": 1.25e-07, "litellm_provider": "gemini", "mode": "chat"},)";
  text += R"("text-embedding-3-small": {"input_cost_per_token": 2e-08, "output_cost_per_token": 0.0,)"
          R"( "litellm_provider": "openai", "mode": "embedding"},)";
  text += R"("dall-e-3": {"litellm_provider": "openai", "mode": "image_generation"},)";
  for (int i = 0; i < count; ++i) {
    text += "\"openrouter/vendor/model-" + std::to_string(i) + R"(": {"input_cost_per_token": 0.000000)" +
            std::to_string(100 + i % 900) +
            R"(, "output_cost_per_token": 3.0e-6, "litellm_provider": "openrouter",)"
            R"( "mode": "chat", "max_tokens": 8192})";
    text += i + 1 < count ? "," : "";
  }
  return text + "}";
}

} // namespace

TEST_CASE("LiteLLM's decimal dollars per token become exact micro-USD per Mtok") {
  CHECK(usd_per_token_text_to_micro_per_mtok("3e-06") == 3'000'000);
  CHECK(usd_per_token_text_to_micro_per_mtok("3E-6") == 3'000'000);
  CHECK(usd_per_token_text_to_micro_per_mtok("0.000003") == 3'000'000);
  CHECK(usd_per_token_text_to_micro_per_mtok("1.25e-06") == 1'250'000);
  CHECK(usd_per_token_text_to_micro_per_mtok("2.8e-09") == 2'800);
  CHECK(usd_per_token_text_to_micro_per_mtok("4.35e-07") == 435'000);
  CHECK(usd_per_token_text_to_micro_per_mtok("0.0001") == 100'000'000);
  CHECK(usd_per_token_text_to_micro_per_mtok("0") == 0);
  CHECK(usd_per_token_text_to_micro_per_mtok("0.0") == 0);
  CHECK(usd_per_token_text_to_micro_per_mtok("1") == 1'000'000'000'000);
  // Below a pico-USD per token: rounded to the nearest, half up.
  CHECK(usd_per_token_text_to_micro_per_mtok("1.5e-12") == 2);
  CHECK(usd_per_token_text_to_micro_per_mtok("1.49e-12") == 1);
  CHECK(usd_per_token_text_to_micro_per_mtok("4e-13") == 0);
  CHECK(usd_per_token_text_to_micro_per_mtok("1e-300") == 0);
  // A double would give 2.9999999999999997e-06 for this text; the text is what counts.
  CHECK(usd_per_token_text_to_micro_per_mtok("0.0000029999999999999997") == 3'000'000);
  for (const char* bad : {"", "-1e-6", "abc", "1e-6x", "1..2", "2", "1e400", "."})
    CHECK_MESSAGE(!usd_per_token_text_to_micro_per_mtok(bad), bad);
}

TEST_CASE("a LiteLLM file with a few thousand entries imports its chat models only") {
  const std::string text = litellm_file(3000);
  const auto imported = parse_litellm_prices(text, "prices.json", "imported prices.json on 2026-12-02", "2026-12-02");
  CHECK(imported.entries.size() == 3002);
  CHECK(imported.skipped == 3); // sample_spec, an embedding model, an image model
  const ModelPrice& nano = imported.entries[0];
  CHECK(nano.model == "gpt-4.1-nano");
  CHECK(nano.provider == "openai");
  CHECK(nano.base.input == 100'000);
  CHECK(nano.base.output == 400'000);
  CHECK(nano.base.cache_read == 25'000);
  CHECK(nano.base.cache_write_5m == -1);
  CHECK(nano.max_input_tokens == 1'047'576);
  CHECK(nano.max_output_tokens == 32'768);
  CHECK(nano.origin == "imported prices.json on 2026-12-02");
  const ModelPrice& pro = imported.entries[1];
  CHECK(pro.model == "gemini-2.5-pro"); // the "gemini/" key prefix is its provider
  CHECK(pro.provider == "gemini");
  CHECK(pro.tier_threshold_tokens == 200'000);
  CHECK(pro.tier.input == 2'500'000);
  CHECK(pro.tier.output == 15'000'000);
  CHECK(pro.tier.cache_read == 125'000); // not listed for the tier: the base rate stays
  const ModelPrice& last = imported.entries.back();
  CHECK(last.model == "vendor/model-2999");
  CHECK(last.provider == "openrouter");
  CHECK(last.base.input == 100'000 + 1000LL * (2999 % 900)); // 0.000000<N> USD per token
  CHECK(last.max_output_tokens == 8192);

  ImportedPrices stored{"prices.json", "2026-12-02", imported.entries};
  const auto table = PriceTable::layered(std::make_shared<ImportedPrices>(stored), {});
  CHECK(table.match("openai", "gpt-4.1-nano").price->origin == "imported prices.json on 2026-12-02");
  CHECK(table.match("gemini", "gemini-2.5-pro").price->base.input == 1'250'000);
  CHECK(table.match("openrouter", "vendor/model-7").price->base.input == 107'000);
  CHECK(table.match("any", "openrouter/vendor/model-7").price->model == "vendor/model-7");
}

TEST_CASE("a file that is not LiteLLM's JSON is refused with its name") {
  for (const char* text : {"[1, 2]", "{\"a\": ", "42", "{}", "{\"a\": 1}"}) {
    CAPTURE(text);
    CHECK_THROWS_AS(parse_litellm_prices(text, "x.json", "o", "d"), llmgw::Error);
  }
  try {
    parse_litellm_prices("[1]", "x.json", "o", "d");
  } catch (const llmgw::Error& error) {
    CHECK(std::string(error.what()).rfind("x.json: not LiteLLM price JSON", 0) == 0);
  }
}

TEST_CASE("the stored import reads back exactly") {
  ImportedPrices imported;
  imported.source = "model_prices_and_context_window.json";
  imported.imported_on = "2026-12-02";
  ModelPrice price;
  price.model = "m";
  price.provider = "openai";
  price.base = Rates{1, 2, -1, 4, 5};
  price.tier_threshold_tokens = 272'000;
  price.tier = Rates{10, 20, 30, -1, -1};
  price.max_output_tokens = 7;
  price.origin = "imported x on 2026-12-02";
  price.checked = "2026-12-02";
  imported.entries.push_back(price);
  const ImportedPrices back = imported_from_json(imported_to_json(imported), "prices.json");
  CHECK(back.source == imported.source);
  CHECK(back.imported_on == "2026-12-02");
  REQUIRE(back.entries.size() == 1);
  const ModelPrice& read = back.entries[0];
  CHECK(read.base.cache_read == -1);
  CHECK(read.base.cache_write_1h == 5);
  CHECK(read.tier_threshold_tokens == 272'000);
  CHECK(read.tier.cache_read == 30);
  CHECK(read.tier.cache_write_5m == -1);
  CHECK(read.max_output_tokens == 7);
  CHECK(read.origin == price.origin);
  CHECK_THROWS_AS(imported_from_json("{\"format\": \"other\"}", "prices.json"), llmgw::Error);
  CHECK_THROWS_AS(imported_from_json("not json", "prices.json"), llmgw::Error);
}

TEST_CASE("serve warns once the table in force is more than 90 days old") {
  constexpr int64_t k_day_ms = 86'400'000;
  const int64_t bundled_day = *days_since("2026-12-02", 0) * -1; // days since the epoch, negated back
  CHECK(utc_date(bundled_day * k_day_ms) == "2026-12-02");
  CHECK(utc_date(0) == "1970-01-01");
  CHECK(utc_date(951'782'400'000) == "2000-02-29");
  const auto table = PriceTable::bundled();
  CHECK(stale_table_warning(table, (bundled_day + 90) * k_day_ms + 5) == "");
  const std::string warning = stale_table_warning(table, (bundled_day + 91) * k_day_ms);
  CHECK(warning.find("from 2026-12-02 (91 days old)") != std::string::npos);
  CHECK(warning.find("llmgw prices import") != std::string::npos);
  // A newer import makes the table in force newer.
  ImportedPrices imported{"x", "2027-03-01", {ModelPrice{}}};
  imported.entries[0].model = "m";
  const auto newer = PriceTable::layered(std::make_shared<ImportedPrices>(imported), {});
  CHECK(newer.data_date() == "2027-03-01");
  CHECK(stale_table_warning(newer, (bundled_day + 91) * k_day_ms) == "");
  CHECK(!days_since("2026-13-01", 0));
}
