// The one price lookup (issue 16): exact name, declared aliases, declared family rules, nothing
// else — no price is borrowed from a model whose name is a prefix of another.
#include "core/pricing/price_table.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace llmgw::core::pricing;

namespace {

struct Expected {
  const char* provider;
  const char* model;
  const char* entry;
  PriceBasis basis;
  int64_t input, output;
};

} // namespace

TEST_CASE("models that used to borrow a sibling's price get their own") {
  const Expected cases[] = {
      {"openai", "gpt-4.1-nano", "gpt-4.1-nano", PriceBasis::exact, 100'000, 400'000},
      {"openai", "gpt-4.1-nano-2025-04-14", "gpt-4.1-nano", PriceBasis::alias, 100'000, 400'000},
      {"openai", "o3-pro", "o3-pro", PriceBasis::exact, 20'000'000, 80'000'000},
      {"openai", "o3-pro-2025-06-10", "o3-pro", PriceBasis::alias, 20'000'000, 80'000'000},
      {"openai", "o1-pro", "o1-pro", PriceBasis::exact, 150'000'000, 600'000'000},
      {"openai", "gpt-5-pro", "gpt-5-pro", PriceBasis::exact, 15'000'000, 120'000'000},
      {"openai", "gpt-5.1-codex-mini", "gpt-5.1-codex-mini", PriceBasis::exact, 250'000, 2'000'000},
      {"openai", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13", PriceBasis::exact, 5'000'000, 15'000'000},
      {"openai", "gpt-4o-2024-08-06", "gpt-4o", PriceBasis::alias, 2'500'000, 10'000'000},
      {"anthropic", "claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219", PriceBasis::alias, 3'000'000, 15'000'000},
      {"anthropic", "claude-3-7-sonnet-20250219", "claude-3-7-sonnet-20250219", PriceBasis::exact, 3'000'000,
       15'000'000},
  };
  const auto table = PriceTable::bundled();
  for (const auto& expected : cases) {
    CAPTURE(expected.model);
    const PriceMatch match = table.match(expected.provider, expected.model);
    REQUIRE(match.price != nullptr);
    CHECK(match.price->model == expected.entry);
    CHECK(match.basis == expected.basis);
    CHECK(match.price->base.input == expected.input);
    CHECK(match.price->base.output == expected.output);
    CHECK(match.price->checked.size() == 10);
    CHECK(match.via == (expected.basis == PriceBasis::alias ? expected.model : ""));
  }
}

TEST_CASE("an exact name matches with or without a provider/ prefix") {
  const auto table = PriceTable::bundled();
  for (const char* model : {"gpt-4.1-nano", "openai/gpt-4.1-nano"}) {
    const PriceMatch match = table.match("openai", model);
    REQUIRE(match);
    CHECK(match.basis == PriceBasis::exact);
    CHECK(match.price->model == "gpt-4.1-nano");
  }
  CHECK(table.match("openrouter", "anthropic/claude-3-7-sonnet-latest").basis == PriceBasis::alias);
}

TEST_CASE("a family rule prices a new point release and the row is marked family") {
  const auto table = PriceTable::bundled();
  const PriceMatch opus = table.match("anthropic", "claude-opus-5-5");
  REQUIRE(opus);
  CHECK(opus.basis == PriceBasis::family);
  CHECK(opus.price->model == "claude-opus-5");
  CHECK(opus.via == "claude-opus-5-*");
  CHECK(to_string(opus.basis) == "family");
  // A dated snapshot of a model listed only by its short name: a date rule, nothing wider.
  const PriceMatch dated = table.match("openai", "gpt-5.4-2026-03-05");
  REQUIRE(dated);
  CHECK(dated.basis == PriceBasis::family);
  CHECK(dated.via == "gpt-5.4-<date>");
  CHECK_FALSE(table.match("openai", "gpt-5.4-mini"));
  CHECK_FALSE(table.match("openai", "gpt-5.4-20260305x"));
  // An exact row wins over the family rule that would cover it.
  CHECK(table.match("anthropic", "claude-opus-5").basis == PriceBasis::exact);
}

TEST_CASE("an unknown model is unpriced, never priced by a listed prefix") {
  const auto table = PriceTable::bundled();
  for (const char* model : {"gpt-4.1-nano-preview", "o3-pro-max", "gpt-5-pro-mini", "gpt-4o-2025-01-01",
                            "claude-opus-4-1-fast", "gemini-2.5-flash-preview-05-20", "gpt-4", "llama3.1:8b"}) {
    CAPTURE(model);
    const PriceMatch match = table.match("openai", model);
    CHECK(match.price == nullptr);
    CHECK_FALSE(match);
  }
}

TEST_CASE("aliases follow an override of their entry; layers win in order") {
  ImportedPrices imported;
  imported.source = "prices.json";
  imported.imported_on = "2026-12-01";
  ModelPrice nano;
  nano.model = "gpt-4.1-nano";
  nano.provider = "openai";
  nano.base = Rates{111'111, 222'222};
  nano.origin = "imported prices.json on 2026-12-01";
  imported.entries.push_back(nano);
  ModelPrice brand_new = nano;
  brand_new.model = "gpt-9";
  imported.entries.push_back(brand_new);

  ModelPrice override_price = nano;
  override_price.model = "gpt-9";
  override_price.provider = "";
  override_price.base = Rates{1, 2};
  override_price.origin = "config.toml:3";
  const auto table = PriceTable::layered(std::make_shared<ImportedPrices>(imported), {override_price});
  CHECK(table.version() == "2026-12-02+import 2026-12-01+overrides");
  CHECK(table.data_date() == "2026-12-02");
  const PriceMatch aliased = table.match("openai", "gpt-4.1-nano-2025-04-14");
  REQUIRE(aliased);
  CHECK(aliased.basis == PriceBasis::alias);
  CHECK(aliased.price->base.input == 111'111); // the imported price, reached through the bundled alias
  CHECK(table.find("openai", "gpt-9")->origin == "config.toml:3");
  CHECK(table.find("openai", "gpt-9")->base.input == 1);
}

TEST_CASE("a lookup stays O(1) with a few thousand entries") {
  ImportedPrices imported;
  imported.imported_on = "2026-12-01";
  for (int i = 0; i < 3000; ++i) {
    ModelPrice price;
    price.model = "vendor-model-" + std::to_string(i);
    price.provider = i % 2 == 0 ? "openai" : "openrouter";
    price.base = Rates{i, 2 * i};
    imported.entries.push_back(std::move(price));
  }
  const auto table = PriceTable::layered(std::make_shared<ImportedPrices>(std::move(imported)), {});
  const std::vector<std::string> names{"vendor-model-0",    "vendor-model-2999",      "claude-sonnet-4-5",
                                       "gpt-4o-2024-08-06", "anthropic/gpt-4.1-nano", "claude-opus-5-5",
                                       "no-such-model"};
  constexpr int k_lookups = 1'000'000;
  int64_t found = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < k_lookups; ++i) found += table.match("openai", names[i % names.size()]).price != nullptr;
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  std::printf("price lookup: %.0f ns per lookup over %zu entries (%d lookups)\n", ns / k_lookups,
              table.entries().size(), k_lookups);
  CHECK(found == k_lookups - k_lookups / 7);
  CHECK(ns / k_lookups < 20'000); // generous: sanitizer and debug builds on a loaded machine
}
