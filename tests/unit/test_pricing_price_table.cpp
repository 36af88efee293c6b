// Price lookup and exact integer cost arithmetic (PROTOCOLS.md §7.2–7.3).
#include "core/pricing/price_table.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using llmgw::core::Usage;
using namespace llmgw::core::pricing;

namespace {

Usage usage(int64_t uncached, int64_t read, int64_t w5m, int64_t w1h, int64_t out) {
  Usage u;
  u.input_uncached_tokens = uncached;
  u.cache_read_tokens = read;
  u.cache_write_5m_tokens = w5m;
  u.cache_write_1h_tokens = w1h;
  u.output_tokens = out;
  u.reported = true;
  return u;
}

const ModelPrice& must_find(const PriceTable& table, std::string_view provider, std::string_view model) {
  const ModelPrice* price = table.find(provider, model);
  REQUIRE_MESSAGE(price != nullptr, std::string(model));
  return *price;
}

struct Listed {
  const char* provider;
  const char* model;
  int64_t input, output, cache_read, write_5m, write_1h;
};

} // namespace

TEST_CASE("the worked checks of §7.2 come out exactly") {
  auto table = PriceTable::bundled();
  // Anthropic Sonnet-class: 3x3 + 12304x3.75 + 550x15 = 54 399 micro-USD (LiteLLM #9812).
  CHECK(cost_usd_pico(must_find(table, "anthropic", "claude-sonnet-4-5-20250929"), usage(3, 0, 12304, 0, 550)) ==
        54'399'000'000);
  // GPT-4.1: 2000x$2 + 8000x$0.50 + 500x$8 per M = $0.012.
  CHECK(cost_usd_pico(must_find(table, "openai", "gpt-4.1"), usage(2000, 8000, 0, 0, 500)) == 12'000'000'000);
  // Gemini 2.5 Pro above 200k: 250000x$2.50 + 3000x$15 per M = $0.67.
  CHECK(cost_usd_pico(must_find(table, "gemini", "gemini-2.5-pro"), usage(250'000, 0, 0, 0, 3000)) == 670'000'000'000);
}

TEST_CASE("the tier applies only strictly above the threshold, and then to every token") {
  auto table = PriceTable::bundled();
  const auto& sonnet = must_find(table, "anthropic", "claude-sonnet-4-5");
  CHECK(sonnet.tier_threshold_tokens == 200'000);
  // Exactly 200k inclusive prompt: base rates.
  CHECK(cost_usd_pico(sonnet, usage(100'000, 60'000, 30'000, 10'000, 1000)) ==
        100'000LL * 3'000'000 + 60'000LL * 300'000 + 30'000LL * 3'750'000 + 10'000LL * 6'000'000 + 1000LL * 15'000'000);
  // One more token: the long-context rates for all of it, output included.
  CHECK(cost_usd_pico(sonnet, usage(100'001, 60'000, 30'000, 10'000, 1000)) ==
        100'001LL * 6'000'000 + 60'000LL * 600'000 + 30'000LL * 7'500'000 + 10'000LL * 12'000'000 +
            1000LL * 22'500'000);
  const auto& gpt54 = must_find(table, "openai", "gpt-5.4");
  CHECK(cost_usd_pico(gpt54, usage(272'000, 0, 0, 0, 0)) == 272'000LL * 2'500'000);
  CHECK(cost_usd_pico(gpt54, usage(272'001, 0, 0, 0, 0)) == 272'001LL * 5'000'000);
  CHECK(cost_usd_pico(must_find(table, "anthropic", "claude-sonnet-4-6"), usage(900'000, 0, 0, 0, 0)) ==
        900'000LL * 3'000'000);
}

TEST_CASE("reasoning tokens are inside output and not billed twice") {
  auto table = PriceTable::bundled();
  Usage u = usage(1000, 0, 0, 0, 500);
  u.reasoning_tokens = 400;
  CHECK(cost_usd_pico(must_find(table, "openai", "o3"), u) == 1000LL * 2'000'000 + 500LL * 8'000'000);
}

TEST_CASE("unlisted cache rates bill at the input rate") {
  ModelPrice price;
  price.model = "local-ish";
  price.base = Rates{1'000'000, 2'000'000};
  CHECK(cost_usd_pico(price, usage(10, 20, 30, 40, 5)) == 100LL * 1'000'000 + 5LL * 2'000'000);
  auto table = PriceTable::bundled();
  const auto& gpt41 = must_find(table, "openai", "gpt-4.1");
  CHECK(cost_usd_pico(gpt41, usage(0, 0, 100, 0, 0)) == 100LL * 2'000'000);
}

TEST_CASE("every model of §7.3 is listed with its prices in micro-USD per Mtok") {
  const Listed listed[] = {
      {"openai", "gpt-4.1", 2'000'000, 8'000'000, 500'000, -1, -1},
      {"openai", "gpt-4.1-mini", 400'000, 1'600'000, 100'000, -1, -1},
      {"openai", "gpt-4o", 2'500'000, 10'000'000, 1'250'000, -1, -1},
      {"openai", "gpt-4o-mini", 150'000, 600'000, 75'000, -1, -1},
      {"openai", "o3", 2'000'000, 8'000'000, 500'000, -1, -1},
      {"openai", "o4-mini", 1'100'000, 4'400'000, 275'000, -1, -1},
      {"openai", "gpt-5", 1'250'000, 10'000'000, 125'000, -1, -1},
      {"openai", "gpt-5-mini", 250'000, 2'000'000, 25'000, -1, -1},
      {"openai", "gpt-5-nano", 50'000, 400'000, 5'000, -1, -1},
      {"openai", "gpt-5.1", 1'250'000, 10'000'000, 125'000, -1, -1},
      {"openai", "gpt-5.1-codex", 1'250'000, 10'000'000, 125'000, -1, -1},
      {"openai", "gpt-5.2", 1'750'000, 14'000'000, 175'000, -1, -1},
      {"openai", "gpt-5.4", 2'500'000, 15'000'000, 250'000, -1, -1},
      {"openai", "gpt-5.5", 5'000'000, 30'000'000, 500'000, -1, -1},
      {"openai", "gpt-5.6", 5'000'000, 30'000'000, 500'000, 6'250'000, -1},
      {"anthropic", "claude-3-5-haiku-20241022", 800'000, 4'000'000, 80'000, 1'000'000, 1'600'000},
      {"anthropic", "claude-haiku-4-5-20251001", 1'000'000, 5'000'000, 100'000, 1'250'000, 2'000'000},
      {"anthropic", "claude-sonnet-4-20250514", 3'000'000, 15'000'000, 300'000, 3'750'000, 6'000'000},
      {"anthropic", "claude-sonnet-4-5-20250929", 3'000'000, 15'000'000, 300'000, 3'750'000, 6'000'000},
      {"anthropic", "claude-sonnet-4-6", 3'000'000, 15'000'000, 300'000, 3'750'000, 6'000'000},
      {"anthropic", "claude-opus-4-20250514", 15'000'000, 75'000'000, 1'500'000, 18'750'000, 30'000'000},
      {"anthropic", "claude-opus-4-1-20250805", 15'000'000, 75'000'000, 1'500'000, 18'750'000, 30'000'000},
      {"anthropic", "claude-opus-4-5", 5'000'000, 25'000'000, 500'000, 6'250'000, 10'000'000},
      {"anthropic", "claude-opus-4-6", 5'000'000, 25'000'000, 500'000, 6'250'000, 10'000'000},
      {"anthropic", "claude-opus-4-7", 5'000'000, 25'000'000, 500'000, 6'250'000, 10'000'000},
      {"anthropic", "claude-opus-4-8", 5'000'000, 25'000'000, 500'000, 6'250'000, 10'000'000},
      {"anthropic", "claude-opus-5", 5'000'000, 25'000'000, 500'000, 6'250'000, 10'000'000},
      {"anthropic", "claude-sonnet-5", 2'000'000, 10'000'000, 200'000, 2'500'000, 4'000'000},
      {"gemini", "gemini-2.5-pro", 1'250'000, 10'000'000, 125'000, -1, -1},
      {"gemini", "gemini-2.5-flash", 300'000, 2'500'000, 30'000, -1, -1},
      {"gemini", "gemini-2.5-flash-lite", 100'000, 400'000, 10'000, -1, -1},
      {"gemini", "gemini-3-pro-preview", 2'000'000, 12'000'000, 200'000, -1, -1},
      {"gemini", "gemini-3.1-pro-preview", 2'000'000, 12'000'000, 200'000, -1, -1},
      {"gemini", "gemini-3-flash-preview", 500'000, 3'000'000, 50'000, -1, -1},
      {"deepseek", "deepseek-chat", 280'000, 420'000, 28'000, -1, -1},
      {"deepseek", "deepseek-reasoner", 280'000, 420'000, 28'000, -1, -1},
      {"deepseek", "deepseek-v4-flash", 140'000, 280'000, 2'800, -1, -1},
      {"deepseek", "deepseek-v4-pro", 435'000, 870'000, -1, -1, -1},
  };
  auto table = PriceTable::bundled();
  CHECK(table.version() == "2026-12-02");
  for (const auto& row : listed) {
    CAPTURE(row.model);
    const ModelPrice* price = table.find(row.provider, row.model);
    REQUIRE(price != nullptr);
    const auto& aliases = price->aliases;
    CHECK((price->model == row.model || std::find(aliases.begin(), aliases.end(), row.model) != aliases.end()));
    CHECK(price->provider == row.provider);
    CHECK(price->base.input == row.input);
    CHECK(price->base.output == row.output);
    CHECK(price->base.cache_read == row.cache_read);
    CHECK(price->base.cache_write_5m == row.write_5m);
    CHECK(price->base.cache_write_1h == row.write_1h);
    CHECK(price->origin == "bundled");
  }
}

TEST_CASE("long-context tiers are listed as in §7.3") {
  auto table = PriceTable::bundled();
  const auto& gpt55 = must_find(table, "openai", "gpt-5.5");
  CHECK(gpt55.tier_threshold_tokens == 272'000);
  CHECK(gpt55.tier.input == 10'000'000);
  CHECK(gpt55.tier.output == 45'000'000);
  CHECK(gpt55.tier.cache_read == 1'000'000);
  const auto& pro3 = must_find(table, "gemini", "gemini-3-pro-preview");
  CHECK(pro3.tier_threshold_tokens == 200'000);
  CHECK(pro3.tier.input == 4'000'000);
  CHECK(pro3.tier.output == 18'000'000);
  CHECK(pro3.tier.cache_read == 400'000);
  CHECK(must_find(table, "anthropic", "claude-opus-4-6").tier_threshold_tokens == 0);
  CHECK(must_find(table, "anthropic", "claude-sonnet-4").tier.input == 6'000'000);
}

TEST_CASE("lookup: declared aliases and a client's provider prefix") {
  auto table = PriceTable::bundled();
  CHECK(must_find(table, "anthropic", "claude-sonnet-4-5").model == "claude-sonnet-4-5-20250929");
  CHECK(must_find(table, "anthropic", "claude-opus-4-1").base.input == 15'000'000);
  CHECK(must_find(table, "anthropic", "claude-haiku-4-5").base.output == 5'000'000);
  CHECK(must_find(table, "openai", "gpt-4o-mini-2024-07-18").model == "gpt-4o-mini");
  CHECK(must_find(table, "openai", "gpt-4.1-2025-04-14").model == "gpt-4.1");
  CHECK(must_find(table, "anthropic", "claude-3-5-haiku-latest").model == "claude-3-5-haiku-20241022");
  CHECK(must_find(table, "gemini", "gemini-2.5-flash-lite-preview-09-2025").model == "gemini-2.5-flash-lite");
  CHECK(must_find(table, "openrouter", "anthropic/claude-sonnet-4-5").model == "claude-sonnet-4-5-20250929");
  CHECK(must_find(table, "", "gemini/gemini-2.5-pro").model == "gemini-2.5-pro");
  CHECK(must_find(table, "my-deepseek", "deepseek-chat").provider == "deepseek");
}

TEST_CASE("an unpriced model is not found") {
  auto table = PriceTable::bundled();
  CHECK(table.find("ollama", "llama3.1:8b") == nullptr);
  CHECK(table.find("ollama", "qwen2.5-coder:32b") == nullptr);
  CHECK(table.find("openai", "gpt") == nullptr);
  CHECK(table.find("openai", "text-embedding-3-small") == nullptr);
  CHECK(table.find("openai", "") == nullptr);
  CHECK(table.find("openai", "/") == nullptr);
}

TEST_CASE("config overrides replace bundled prices and mark the version") {
  auto table = PriceTable::bundled();
  size_t count = table.entries().size();
  ModelPrice cheaper;
  cheaper.model = "deepseek-chat";
  cheaper.provider = "deepseek";
  cheaper.base = Rates{100'000, 200'000, 10'000};
  cheaper.origin = "config.toml:12";
  table.set(cheaper);
  CHECK(table.entries().size() == count);
  CHECK(table.version() == "2026-12-02+overrides");
  CHECK(must_find(table, "deepseek", "deepseek-chat").origin == "config.toml:12");
  CHECK(table.entries()[count - 4].model == "deepseek-chat"); // replaced where it was listed

  ModelPrice any;
  any.model = "gpt-4o";
  any.base = Rates{1'000'000, 1'000'000};
  ModelPrice via_router = any;
  via_router.provider = "openrouter";
  table.set(via_router);
  table.set(any);
  table.set(any);
  CHECK(table.entries().size() == count);
  CHECK(table.version() == "2026-12-02+overrides");
  CHECK(must_find(table, "openai", "gpt-4o").base.output == 1'000'000);

  ModelPrice local;
  local.model = "llama3.1";
  local.provider = "ollama";
  table.set(local);
  CHECK(must_find(table, "ollama", "llama3.1").base.input == 0);
  CHECK(table.find("ollama", "llama3.1-8b") == nullptr); // no price is borrowed from a prefix
}
