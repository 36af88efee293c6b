// Usage normalisation of each wire format into the canonical three disjoint input parts plus
// output (PROTOCOLS.md §1.4, §2.3, §3.4, §5.5, §6.4). Parse leniently: every field is optional.
#include "core/protocol/response_observer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

namespace llmgw::core::protocol {
namespace {

using nlohmann::json;

const json& member(const json& object, const char* key) {
  static const json k_null;
  if (!object.is_object()) return k_null;
  auto it = object.find(key);
  return it == object.end() ? k_null : *it;
}

// A non-negative token count, or nullopt when absent, null or not a number.
std::optional<int64_t> member_count(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_number_unsigned()) {
    auto v = value.get<uint64_t>();
    return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max()));
  }
  if (value.is_number_integer()) return std::max<int64_t>(value.get<int64_t>(), 0);
  if (value.is_number_float()) {
    double v = value.get<double>();
    if (!(v > 0)) return 0; // also NaN
    if (v >= 9.0e18) return std::numeric_limits<int64_t>::max();
    return static_cast<int64_t>(v);
  }
  return std::nullopt;
}

int64_t count(const json& object, const char* key) { return member_count(object, key).value_or(0); }

// The first of two alternative members that is an object (Chat vs Responses spellings).
const json& either(const json& object, const char* first, const char* second) {
  const json& a = member(object, first);
  return a.is_object() ? a : member(object, second);
}

} // namespace

Usage usage_from_openai(const nlohmann::json& usage) {
  Usage out;
  if (!usage.is_object()) return out;
  out.reported = true;
  // Chat says prompt/completion, Responses says input/output; both are inclusive of cache.
  int64_t prompt = member_count(usage, "prompt_tokens").value_or(count(usage, "input_tokens"));
  const json& in_details = either(usage, "prompt_tokens_details", "input_tokens_details");
  int64_t cached = count(in_details, "cached_tokens");
  int64_t written = count(in_details, "cache_write_tokens");
  std::optional<int64_t> uncached;
  // DeepSeek reports its context cache as hit/miss counts at the top level (api-docs.deepseek.com,
  // "Context Caching"); prompt_tokens = hit + miss.
  if (auto hit = member_count(usage, "prompt_cache_hit_tokens")) {
    cached = *hit;
    uncached = member_count(usage, "prompt_cache_miss_tokens");
  }
  out.cache_read_tokens = cached;
  out.cache_write_5m_tokens = written; // OpenAI's cache write has one TTL, priced as the 5m rate
  out.input_uncached_tokens = uncached.value_or(std::max<int64_t>(prompt - cached - written, 0));
  out.output_tokens = member_count(usage, "completion_tokens").value_or(count(usage, "output_tokens"));
  const json& out_details = either(usage, "completion_tokens_details", "output_tokens_details");
  out.reasoning_tokens = count(out_details, "reasoning_tokens");
  return out;
}

void overlay_anthropic_usage(Usage& usage, const nlohmann::json& fields) {
  if (!fields.is_object()) return;
  usage.reported = true;
  if (auto v = member_count(fields, "input_tokens")) usage.input_uncached_tokens = *v;
  if (auto v = member_count(fields, "cache_read_input_tokens")) usage.cache_read_tokens = *v;
  const json& split = member(fields, "cache_creation");
  auto split_5m = member_count(split, "ephemeral_5m_input_tokens");
  auto split_1h = member_count(split, "ephemeral_1h_input_tokens");
  if (auto total = member_count(fields, "cache_creation_input_tokens")) {
    // Without the TTL split every write is a 5-minute write (the default TTL, §7.2).
    int64_t one_hour = std::min(split_1h.value_or(0), *total);
    usage.cache_write_1h_tokens = one_hour;
    usage.cache_write_5m_tokens = *total - one_hour;
  } else {
    if (split_5m) usage.cache_write_5m_tokens = *split_5m;
    if (split_1h) usage.cache_write_1h_tokens = *split_1h;
  }
  if (auto v = member_count(fields, "output_tokens")) usage.output_tokens = *v;
  if (auto v = member_count(member(fields, "output_tokens_details"), "thinking_tokens")) usage.reasoning_tokens = *v;
}

Usage usage_from_anthropic(const nlohmann::json& usage) {
  Usage out;
  overlay_anthropic_usage(out, usage);
  return out;
}

Usage usage_from_gemini(const nlohmann::json& usage_metadata) {
  Usage out;
  if (!usage_metadata.is_object()) return out;
  out.reported = true;
  // promptTokenCount includes the cached part; candidatesTokenCount excludes thinking, which is
  // billed at the output rate (ai.google.dev pricing; musistudio/llms once left it unbilled).
  int64_t prompt = count(usage_metadata, "promptTokenCount");
  int64_t cached = std::min(count(usage_metadata, "cachedContentTokenCount"), prompt);
  int64_t thoughts = count(usage_metadata, "thoughtsTokenCount");
  out.input_uncached_tokens = prompt - cached;
  out.cache_read_tokens = cached;
  out.output_tokens = count(usage_metadata, "candidatesTokenCount") + thoughts;
  out.reasoning_tokens = thoughts;
  return out;
}

} // namespace llmgw::core::protocol
