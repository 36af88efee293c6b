// The bundled list prices, in integer micro-USD per million tokens ($0.0028/M = 2'800).
// Source: PROTOCOLS.md §7.3 — LiteLLM's model_prices_and_context_window.json (mirror of
// 2026-08-01, cross-checked against a second mirror and the providers' pricing pages), seen
// 2026-11-23. Rates marked "derived" are not in that table: they apply the ratio the provider
// documents or the table itself shows for every sibling model (Anthropic: cache read 0.1x,
// 5m write 1.25x, 1h write 2x of input; OpenAI GPT-5 family and Gemini: cache read 0.1x).
#include "core/pricing/bundled_prices.hpp"

#include <initializer_list>
#include <utility>

namespace llmgw::core::pricing {
namespace {

constexpr int64_t k_none = -1;
constexpr int64_t k_200k = 200'000;
constexpr int64_t k_272k = 272'000;

struct Limits {
  int64_t input = 0;
  int64_t output = 0;
};

// Anthropic's fixed multipliers of the input price (docs.anthropic.com pricing, §7.2).
Rates claude_rates(int64_t input, int64_t output) { return Rates{input, output, input / 10, input * 5 / 4, input * 2}; }

void add(std::vector<ModelPrice>& out, std::initializer_list<const char*> keys, const char* provider, Rates base,
         Limits limits, int64_t tier_threshold = 0, Rates tier = {}) {
  for (const char* key : keys) {
    ModelPrice price;
    price.model = key;
    price.provider = provider;
    price.base = base;
    price.tier_threshold_tokens = tier_threshold;
    price.tier = tier;
    price.max_input_tokens = limits.input;
    price.max_output_tokens = limits.output;
    out.push_back(std::move(price));
  }
}

void add_openai(std::vector<ModelPrice>& out) {
  const Limits gpt41{1'047'576, 32'768};
  const Limits gpt4o{128'000, 16'384};
  const Limits o_series{200'000, 100'000};
  const Limits gpt5{272'000, 128'000};
  const Limits gpt54{1'050'000, 128'000};
  add(out, {"gpt-4.1"}, "openai", {2'000'000, 8'000'000, 500'000}, gpt41);
  add(out, {"gpt-4.1-mini"}, "openai", {400'000, 1'600'000, 100'000}, gpt41);
  add(out, {"gpt-4o"}, "openai", {2'500'000, 10'000'000, 1'250'000}, gpt4o);
  add(out, {"gpt-4o-mini"}, "openai", {150'000, 600'000, 75'000}, gpt4o);
  add(out, {"o3"}, "openai", {2'000'000, 8'000'000, 500'000}, o_series);
  add(out, {"o4-mini"}, "openai", {1'100'000, 4'400'000, 275'000}, o_series);
  add(out, {"gpt-5"}, "openai", {1'250'000, 10'000'000, 125'000}, gpt5);
  add(out, {"gpt-5-mini"}, "openai", {250'000, 2'000'000, 25'000}, gpt5);
  add(out, {"gpt-5-nano"}, "openai", {50'000, 400'000, 5'000}, gpt5);
  add(out, {"gpt-5.1", "gpt-5.1-codex"}, "openai", {1'250'000, 10'000'000, 125'000}, gpt5);
  add(out, {"gpt-5.2"}, "openai", {1'750'000, 14'000'000, 175'000}, gpt5);
  // GPT-5.4+: the whole request moves to the higher rates once the prompt exceeds 272k.
  add(out, {"gpt-5.4"}, "openai", {2'500'000, 15'000'000, 250'000}, gpt54, k_272k, {5'000'000, 22'500'000, 500'000});
  add(out, {"gpt-5.5"}, "openai", {5'000'000, 30'000'000, 500'000}, gpt54, k_272k, {10'000'000, 45'000'000, 1'000'000});
  // First OpenAI model with a cache-write price ($6.25/M, billed as the 5m write); the cache
  // read rate is derived.
  add(out, {"gpt-5.6"}, "openai", {5'000'000, 30'000'000, 500'000, 6'250'000}, {});
}

void add_anthropic(std::vector<ModelPrice>& out) {
  const Rates haiku35{800'000, 4'000'000, 80'000, 1'000'000, 1'600'000};
  const Rates haiku45{1'000'000, 5'000'000, 100'000, 1'250'000, 2'000'000};
  const Rates sonnet{3'000'000, 15'000'000, 300'000, 3'750'000, 6'000'000};
  const Rates opus4{15'000'000, 75'000'000, 1'500'000, 18'750'000, 30'000'000};
  const Rates opus45{5'000'000, 25'000'000, 500'000, 6'250'000, 10'000'000};
  // Sonnet 4/4.5 with the 1M-context beta: above 200k every token bills at these rates. §7.3
  // lists the writes for 4.5 only; Sonnet 4 uses the same documented multipliers of $6.
  const Rates sonnet_long{6'000'000, 22'500'000, 600'000, 7'500'000, 12'000'000};
  add(out, {"claude-3-5-haiku-20241022", "claude-3-5-haiku"}, "anthropic", haiku35, {200'000, 8'192});
  add(out, {"claude-haiku-4-5-20251001", "claude-haiku-4-5"}, "anthropic", haiku45, {200'000, 64'000});
  add(out, {"claude-sonnet-4-20250514", "claude-sonnet-4-0", "claude-sonnet-4"}, "anthropic", sonnet,
      {1'000'000, 64'000}, k_200k, sonnet_long);
  add(out, {"claude-sonnet-4-5-20250929", "claude-sonnet-4-5"}, "anthropic", sonnet, {200'000, 64'000}, k_200k,
      sonnet_long);
  add(out, {"claude-sonnet-4-6"}, "anthropic", sonnet, {1'000'000, 64'000}); // 1M at the standard rate
  add(out, {"claude-opus-4-20250514", "claude-opus-4-0", "claude-opus-4"}, "anthropic", opus4, {200'000, 32'000});
  add(out, {"claude-opus-4-1-20250805", "claude-opus-4-1"}, "anthropic", opus4, {200'000, 32'000});
  add(out, {"claude-opus-4-5-20251101", "claude-opus-4-5"}, "anthropic", opus45, {200'000, 64'000});
  add(out, {"claude-opus-4-6"}, "anthropic", opus45, {1'000'000, 128'000});
  // Newer entries: §7.3 gives input/output only; cache rates derived.
  add(out, {"claude-opus-4-7", "claude-opus-4-8", "claude-opus-5"}, "anthropic", claude_rates(5'000'000, 25'000'000),
      {});
  // $2/$10 in LiteLLM, possibly a promotional price (§7.3).
  add(out, {"claude-sonnet-5"}, "anthropic", claude_rates(2'000'000, 10'000'000), {});
}

void add_gemini(std::vector<ModelPrice>& out) {
  // Google AI Studio prices (LiteLLM's gemini/ keys); looked up bare for provider "gemini".
  const Limits gemini{1'048'576, 65'535};
  const Rates pro3{2'000'000, 12'000'000, 200'000};
  const Rates pro3_long{4'000'000, 18'000'000, 400'000};
  add(out, {"gemini-2.5-pro"}, "gemini", {1'250'000, 10'000'000, 125'000}, gemini, k_200k,
      {2'500'000, 15'000'000, 250'000});
  add(out, {"gemini-2.5-flash"}, "gemini", {300'000, 2'500'000, 30'000}, gemini);
  add(out, {"gemini-2.5-flash-lite"}, "gemini", {100'000, 400'000, 10'000}, gemini);
  add(out, {"gemini-3-pro-preview"}, "gemini", pro3, gemini, k_200k, pro3_long);
  // Newer entries: $2/$12 and $0.50/$3 listed; cache read (and 3.1 Pro's 200k tier, the same
  // as 3 Pro's) derived.
  add(out, {"gemini-3.1-pro-preview"}, "gemini", pro3, gemini, k_200k, pro3_long);
  add(out, {"gemini-3-flash-preview"}, "gemini", {500'000, 3'000'000, 50'000}, gemini);
}

void add_deepseek(std::vector<ModelPrice>& out) {
  add(out, {"deepseek-chat"}, "deepseek", {280'000, 420'000, 28'000}, {131'072, 8'192});
  add(out, {"deepseek-reasoner"}, "deepseek", {280'000, 420'000, 28'000}, {131'072, 65'536});
  add(out, {"deepseek-v4-flash"}, "deepseek", {140'000, 280'000, 2'800}, {});
  // Cache hit price not listed in §7.3: billed at the input rate until configured.
  add(out, {"deepseek-v4-pro"}, "deepseek", {435'000, 870'000, k_none}, {});
}

} // namespace

std::vector<ModelPrice> bundled_prices() {
  std::vector<ModelPrice> out;
  out.reserve(64);
  add_openai(out);
  add_anthropic(out);
  add_gemini(out);
  add_deepseek(out);
  return out;
}

} // namespace llmgw::core::pricing
