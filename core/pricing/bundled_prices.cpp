// The bundled list prices, in integer micro-USD per million tokens ($0.0028/M = 2'800).
// Two sources, each row stamped with the date its price was checked:
// - k_checked_protocols: PROTOCOLS.md §7.3 — LiteLLM's model_prices_and_context_window.json
//   (mirror of 2026-08-01, cross-checked against a second mirror and the providers' pricing
//   pages), seen 2026-11-23.
// - k_checked_list: models users call that §7.3 leaves out (gpt-4.1-nano, o3-pro, o1-pro,
//   gpt-5-pro, gpt-5.1-codex-mini, gpt-4o-2024-05-13, claude-3-7-sonnet and kin) at the
//   providers' published list prices, compared with public copies of LiteLLM's data on 2026-12-02.
// Rates marked "derived" apply the ratio the provider documents or the table itself shows for
// every sibling model (Anthropic: cache read 0.1x, 5m write 1.25x, 1h write 2x of input; OpenAI
// GPT-5 family and Gemini: cache read 0.1x).
// Aliases are other names of the same model at the same price (dated snapshots, "-latest");
// a snapshot with a price of its own (gpt-4o-2024-05-13) is an entry, never an alias.
#include "core/pricing/bundled_prices.hpp"

#include <initializer_list>
#include <utility>

namespace llmgw::core::pricing {
namespace {

constexpr int64_t k_none = -1;
constexpr int64_t k_200k = 200'000;
constexpr int64_t k_272k = 272'000;
constexpr const char* k_checked_protocols = "2026-11-23";
constexpr const char* k_checked_list = "2026-12-02";

struct Limits {
  int64_t input = 0;
  int64_t output = 0;
};

// Anthropic's fixed multipliers of the input price (docs.anthropic.com pricing, §7.2).
Rates claude_rates(int64_t input, int64_t output) { return Rates{input, output, input / 10, input * 5 / 4, input * 2}; }

class Builder {
public:
  explicit Builder(std::vector<ModelPrice>& out) : m_out(out) {}
  Builder& checked(const char* date) {
    m_checked = date;
    return *this;
  }
  // One entry named `names[0]`; the other names are its aliases.
  void add(std::initializer_list<const char*> names, const char* provider, Rates base, Limits limits,
           int64_t tier_threshold = 0, Rates tier = {}) {
    ModelPrice price;
    auto name = names.begin();
    price.model = *name;
    for (++name; name != names.end(); ++name) price.aliases.emplace_back(*name);
    price.provider = provider;
    price.base = base;
    price.tier_threshold_tokens = tier_threshold;
    price.tier = tier;
    price.max_input_tokens = limits.input;
    price.max_output_tokens = limits.output;
    price.checked = m_checked;
    m_out.push_back(std::move(price));
  }

private:
  std::vector<ModelPrice>& m_out;
  const char* m_checked = k_checked_protocols;
};

void add_openai(Builder& b) {
  const Limits gpt41{1'047'576, 32'768};
  const Limits gpt4o{128'000, 16'384};
  const Limits o_series{200'000, 100'000};
  const Limits gpt5{272'000, 128'000};
  const Limits gpt54{1'050'000, 128'000};
  const Rates gpt51{1'250'000, 10'000'000, 125'000};
  b.checked(k_checked_protocols);
  b.add({"gpt-4.1", "gpt-4.1-2025-04-14"}, "openai", {2'000'000, 8'000'000, 500'000}, gpt41);
  b.add({"gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"}, "openai", {400'000, 1'600'000, 100'000}, gpt41);
  b.add({"gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"}, "openai", {2'500'000, 10'000'000, 1'250'000}, gpt4o);
  b.add({"gpt-4o-mini", "gpt-4o-mini-2024-07-18"}, "openai", {150'000, 600'000, 75'000}, gpt4o);
  b.add({"o3", "o3-2025-04-16"}, "openai", {2'000'000, 8'000'000, 500'000}, o_series);
  b.add({"o4-mini", "o4-mini-2025-04-16"}, "openai", {1'100'000, 4'400'000, 275'000}, o_series);
  b.add({"gpt-5", "gpt-5-2025-08-07", "gpt-5-chat-latest"}, "openai", gpt51, gpt5);
  b.add({"gpt-5-mini", "gpt-5-mini-2025-08-07"}, "openai", {250'000, 2'000'000, 25'000}, gpt5);
  b.add({"gpt-5-nano", "gpt-5-nano-2025-08-07"}, "openai", {50'000, 400'000, 5'000}, gpt5);
  b.add({"gpt-5.1", "gpt-5.1-2025-11-13", "gpt-5.1-chat-latest"}, "openai", gpt51, gpt5);
  b.add({"gpt-5.1-codex"}, "openai", gpt51, gpt5);
  b.add({"gpt-5.2", "gpt-5.2-2025-12-11", "gpt-5.2-chat-latest"}, "openai", {1'750'000, 14'000'000, 175'000}, gpt5);
  // GPT-5.4+: the whole request moves to the higher rates once the prompt exceeds 272k.
  b.add({"gpt-5.4"}, "openai", {2'500'000, 15'000'000, 250'000}, gpt54, k_272k, {5'000'000, 22'500'000, 500'000});
  b.add({"gpt-5.5"}, "openai", {5'000'000, 30'000'000, 500'000}, gpt54, k_272k, {10'000'000, 45'000'000, 1'000'000});
  // First OpenAI model with a cache-write price ($6.25/M, billed as the 5m write); the cache
  // read rate is derived.
  b.add({"gpt-5.6"}, "openai", {5'000'000, 30'000'000, 500'000, 6'250'000}, {});

  b.checked(k_checked_list);
  b.add({"gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"}, "openai", {100'000, 400'000, 25'000}, gpt41);
  // The first gpt-4o snapshot kept its launch price: $5 / $15, no cache discount.
  b.add({"gpt-4o-2024-05-13"}, "openai", {5'000'000, 15'000'000}, {128'000, 4'096});
  b.add({"chatgpt-4o-latest"}, "openai", {5'000'000, 15'000'000}, {128'000, 16'384});
  b.add({"o1", "o1-2024-12-17"}, "openai", {15'000'000, 60'000'000, 7'500'000}, o_series);
  b.add({"o1-pro", "o1-pro-2025-03-19"}, "openai", {150'000'000, 600'000'000}, o_series);
  b.add({"o3-mini", "o3-mini-2025-01-31"}, "openai", {1'100'000, 4'400'000, 550'000}, o_series);
  b.add({"o3-pro", "o3-pro-2025-06-10"}, "openai", {20'000'000, 80'000'000}, o_series);
  b.add({"gpt-5-pro", "gpt-5-pro-2025-10-06"}, "openai", {15'000'000, 120'000'000}, {400'000, 272'000});
  b.add({"gpt-5-codex"}, "openai", gpt51, gpt5);
  b.add({"gpt-5.1-codex-max"}, "openai", gpt51, gpt5);
  b.add({"gpt-5.1-codex-mini"}, "openai", {250'000, 2'000'000, 25'000}, gpt5);
}

void add_anthropic(Builder& b) {
  const Rates haiku35{800'000, 4'000'000, 80'000, 1'000'000, 1'600'000};
  const Rates haiku45{1'000'000, 5'000'000, 100'000, 1'250'000, 2'000'000};
  const Rates sonnet{3'000'000, 15'000'000, 300'000, 3'750'000, 6'000'000};
  const Rates opus4{15'000'000, 75'000'000, 1'500'000, 18'750'000, 30'000'000};
  const Rates opus45{5'000'000, 25'000'000, 500'000, 6'250'000, 10'000'000};
  // Sonnet 4/4.5 with the 1M-context beta: above 200k every token bills at these rates. §7.3
  // lists the writes for 4.5 only; Sonnet 4 uses the same documented multipliers of $6.
  const Rates sonnet_long{6'000'000, 22'500'000, 600'000, 7'500'000, 12'000'000};
  b.checked(k_checked_protocols);
  b.add({"claude-3-5-haiku-20241022", "claude-3-5-haiku", "claude-3-5-haiku-latest"}, "anthropic", haiku35,
        {200'000, 8'192});
  b.add({"claude-haiku-4-5-20251001", "claude-haiku-4-5"}, "anthropic", haiku45, {200'000, 64'000});
  b.add({"claude-sonnet-4-20250514", "claude-sonnet-4-0", "claude-sonnet-4"}, "anthropic", sonnet, {1'000'000, 64'000},
        k_200k, sonnet_long);
  b.add({"claude-sonnet-4-5-20250929", "claude-sonnet-4-5"}, "anthropic", sonnet, {200'000, 64'000}, k_200k,
        sonnet_long);
  b.add({"claude-sonnet-4-6"}, "anthropic", sonnet, {1'000'000, 64'000}); // 1M at the standard rate
  b.add({"claude-opus-4-20250514", "claude-opus-4-0", "claude-opus-4"}, "anthropic", opus4, {200'000, 32'000});
  b.add({"claude-opus-4-1-20250805", "claude-opus-4-1"}, "anthropic", opus4, {200'000, 32'000});
  b.add({"claude-opus-4-5-20251101", "claude-opus-4-5"}, "anthropic", opus45, {200'000, 64'000});
  b.add({"claude-opus-4-6"}, "anthropic", opus45, {1'000'000, 128'000});
  // Newer entries: §7.3 gives input/output only; cache rates derived.
  for (const char* opus : {"claude-opus-4-7", "claude-opus-4-8", "claude-opus-5"})
    b.add({opus}, "anthropic", claude_rates(5'000'000, 25'000'000), {});
  // $2/$10 in LiteLLM, possibly a promotional price (§7.3).
  b.add({"claude-sonnet-5"}, "anthropic", claude_rates(2'000'000, 10'000'000), {});

  b.checked(k_checked_list);
  b.add({"claude-3-7-sonnet-20250219", "claude-3-7-sonnet", "claude-3-7-sonnet-latest"}, "anthropic", sonnet,
        {200'000, 64'000});
  b.add({"claude-3-5-sonnet-20241022", "claude-3-5-sonnet", "claude-3-5-sonnet-latest"}, "anthropic", sonnet,
        {200'000, 8'192});
  b.add({"claude-3-5-sonnet-20240620"}, "anthropic", sonnet, {200'000, 8'192});
  b.add({"claude-3-opus-20240229", "claude-3-opus", "claude-3-opus-latest"}, "anthropic", opus4, {200'000, 4'096});
  b.add({"claude-3-haiku-20240307", "claude-3-haiku"}, "anthropic", {250'000, 1'250'000, 30'000, 300'000, 500'000},
        {200'000, 4'096});
}

void add_gemini(Builder& b) {
  // Google AI Studio prices (LiteLLM's gemini/ keys); looked up bare for provider "gemini".
  const Limits gemini{1'048'576, 65'535};
  const Rates pro3{2'000'000, 12'000'000, 200'000};
  const Rates pro3_long{4'000'000, 18'000'000, 400'000};
  b.checked(k_checked_protocols);
  b.add({"gemini-2.5-pro"}, "gemini", {1'250'000, 10'000'000, 125'000}, gemini, k_200k,
        {2'500'000, 15'000'000, 250'000});
  // The 09-2025 previews are listed at the GA prices; earlier previews had prices of their own.
  b.add({"gemini-2.5-flash", "gemini-2.5-flash-preview-09-2025"}, "gemini", {300'000, 2'500'000, 30'000}, gemini);
  b.add({"gemini-2.5-flash-lite", "gemini-2.5-flash-lite-preview-09-2025"}, "gemini", {100'000, 400'000, 10'000},
        gemini);
  b.add({"gemini-3-pro-preview"}, "gemini", pro3, gemini, k_200k, pro3_long);
  // Newer entries: $2/$12 and $0.50/$3 listed; cache read (and 3.1 Pro's 200k tier, the same
  // as 3 Pro's) derived.
  b.add({"gemini-3.1-pro-preview"}, "gemini", pro3, gemini, k_200k, pro3_long);
  b.add({"gemini-3-flash-preview"}, "gemini", {500'000, 3'000'000, 50'000}, gemini);
  b.checked(k_checked_list);
  b.add({"gemini-2.0-flash", "gemini-2.0-flash-001"}, "gemini", {100'000, 400'000, 25'000}, {1'048'576, 8'192});
  b.add({"gemini-2.0-flash-lite", "gemini-2.0-flash-lite-001"}, "gemini", {75'000, 300'000}, {1'048'576, 8'192});
}

void add_deepseek(Builder& b) {
  b.checked(k_checked_protocols);
  b.add({"deepseek-chat"}, "deepseek", {280'000, 420'000, 28'000}, {131'072, 8'192});
  b.add({"deepseek-reasoner"}, "deepseek", {280'000, 420'000, 28'000}, {131'072, 65'536});
  b.add({"deepseek-v4-flash"}, "deepseek", {140'000, 280'000, 2'800}, {});
  // Cache hit price not listed in §7.3: billed at the input rate until configured.
  b.add({"deepseek-v4-pro"}, "deepseek", {435'000, 870'000, k_none}, {});
}

} // namespace

std::vector<ModelPrice> bundled_prices() {
  std::vector<ModelPrice> out;
  out.reserve(96);
  Builder builder(out);
  add_openai(builder);
  add_anthropic(builder);
  add_gemini(builder);
  add_deepseek(builder);
  return out;
}

std::vector<FamilyRule> bundled_families() {
  // Newest generations only, where a point release or a dated snapshot is expected before the
  // table lists it. Older families have siblings at other prices (opus-4 vs opus-4-5, gpt-4o vs
  // gpt-4o-2024-05-13), so nothing there is priced by family.
  std::vector<FamilyRule> rules{
      {"claude-opus-5-*", "claude-opus-5", "anthropic"},
      {"claude-sonnet-5-*", "claude-sonnet-5", "anthropic"},
  };
  for (const char* model : {"claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8"})
    rules.push_back({std::string(model) + "-<date>", model, "anthropic"});
  for (const char* model :
       {"gpt-5.1-codex", "gpt-5.4", "gpt-5.5", "gpt-5.6", "gpt-5-codex", "gpt-5.1-codex-max", "gpt-5.1-codex-mini"})
    rules.push_back({std::string(model) + "-<date>", model, "openai"});
  return rules;
}

} // namespace llmgw::core::pricing
