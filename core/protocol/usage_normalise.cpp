// Usage normalisation of each wire format into the canonical three disjoint input parts plus
// output (PROTOCOLS.md §1.4, §2.3, §3.4, §5.5, §6.4). Parse leniently: every field is optional.
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace llmgw::core::protocol {
namespace {

using nlohmann::json;

// The largest token count believed, far beyond any context window. A provider that reports more
// (broken, or hostile) is clamped to it, so that sums of counts (Usage::total_tokens, Gemini's
// candidates plus thoughts) and costs (tokens times pico-USD rates) stay far from int64 overflow.
constexpr int64_t k_max_count = 1'000'000'000;

int64_t clamp_count(double v) {
  if (!(v > 0)) return 0; // also NaN
  if (v >= static_cast<double>(k_max_count)) return k_max_count;
  return static_cast<int64_t>(v);
}

// Usage members read from a parsed document.
class DomFields {
public:
  explicit DomFields(const json& value) : m_value(&value) {}
  bool is_object() const { return m_value->is_object(); }
  DomFields object(const char* key) const { return DomFields(member(key)); }
  // A non-negative token count, or nullopt when absent, null or not a number.
  std::optional<int64_t> count(const char* key) const {
    const json& value = member(key);
    if (value.is_number_unsigned()) return static_cast<int64_t>(std::min<uint64_t>(value.get<uint64_t>(), k_max_count));
    if (value.is_number_integer()) return std::clamp<int64_t>(value.get<int64_t>(), 0, k_max_count);
    if (value.is_number_float()) return clamp_count(value.get<double>());
    return std::nullopt;
  }

private:
  const json& member(const char* key) const {
    static const json k_null;
    if (!m_value->is_object()) return k_null;
    auto it = m_value->find(key);
    return it == m_value->end() ? k_null : *it;
  }
  const json* m_value;
};

// Whether text is one JSON number (RFC 8259 §6); sets is_integer when it has no fraction or exponent.
bool json_number(std::string_view text, bool& is_integer) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0')
    ++i;
  else if (!digits())
    return false;
  is_integer = true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
    is_integer = false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
    is_integer = false;
  }
  return i == text.size();
}

// The same members read in place from the JSON text of the usage object, without building a
// document: a whole response body's usage is read this way on the request path. The object is
// walked once, when the reader is made. Counts follow DomFields exactly (negative as 0, fractions
// cut, beyond k_max_count clamped, a repeated member: the last).
class TextFields {
public:
  explicit TextFields(std::string_view value) : m_value(value) {
    if (m_value.empty() || m_value.front() != '{') return;
    m_count = object_members(m_value, m_members.data(), m_members.size());
  }
  bool is_object() const { return m_count != SIZE_MAX; }
  TextFields object(const char* key) const { return TextFields(member(key)); }
  std::optional<int64_t> count(const char* key) const {
    std::string_view text = member(key);
    bool is_integer = false;
    if (!json_number(text, is_integer)) return std::nullopt;
    if (is_integer && text.front() == '-') return 0;
    uint64_t value = 0;
    if (is_integer && std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc())
      return static_cast<int64_t>(std::min<uint64_t>(value, k_max_count));
    // A fraction, an exponent, or an integer beyond 64 bits (a parser reads that as a double).
    return clamp_count(std::strtod(std::string(text).c_str(), nullptr));
  }

private:
  std::string_view member(std::string_view key) const {
    if (!is_object()) return {};
    if (m_count > m_members.size()) return member_text(m_value, key); // more members than kept
    for (size_t i = m_count; i-- > 0;)
      if (m_members[i].key == key)
        return m_value.substr(m_members[i].value_begin, m_members[i].value_end - m_members[i].value_begin);
    return {};
  }
  std::string_view m_value;
  std::array<TopLevelMember, 16> m_members{};
  size_t m_count = SIZE_MAX;
};

template <class Fields> int64_t count(const Fields& object, const char* key) { return object.count(key).value_or(0); }

// The first of two alternative members that is an object (Chat vs Responses spellings).
template <class Fields> Fields either(const Fields& object, const char* first, const char* second) {
  Fields a = object.object(first);
  return a.is_object() ? a : object.object(second);
}

template <class Fields> Usage openai_usage(const Fields& usage) {
  Usage out;
  if (!usage.is_object()) return out;
  out.reported = true;
  // Chat says prompt/completion, Responses says input/output; both are inclusive of cache.
  int64_t prompt = usage.count("prompt_tokens").value_or(count(usage, "input_tokens"));
  const Fields in_details = either(usage, "prompt_tokens_details", "input_tokens_details");
  int64_t cached = count(in_details, "cached_tokens");
  int64_t written = count(in_details, "cache_write_tokens");
  std::optional<int64_t> uncached;
  // DeepSeek reports its context cache as hit/miss counts at the top level (api-docs.deepseek.com,
  // "Context Caching"); prompt_tokens = hit + miss.
  if (auto hit = usage.count("prompt_cache_hit_tokens")) {
    cached = *hit;
    uncached = usage.count("prompt_cache_miss_tokens");
  }
  out.cache_read_tokens = cached;
  out.cache_write_5m_tokens = written; // OpenAI's cache write has one TTL, priced as the 5m rate
  out.input_uncached_tokens = uncached.value_or(std::max<int64_t>(prompt - cached - written, 0));
  out.output_tokens = usage.count("completion_tokens").value_or(count(usage, "output_tokens"));
  const Fields out_details = either(usage, "completion_tokens_details", "output_tokens_details");
  out.reasoning_tokens = count(out_details, "reasoning_tokens");
  return out;
}

// The 1-hour part of a cache-write total that came without its TTL split. A message_delta carries
// the cumulative cache_creation_input_tokens but not the split (issue 16), so the split already
// seen (message_start) is kept: the same total keeps it exactly, a different total is split in the
// same proportion (rounded to the nearest token). With no split seen, every write is a 5-minute
// write (the default TTL, §7.2).
int64_t one_hour_share(const Usage& seen, int64_t total) {
  const int64_t seen_total = seen.cache_write_5m_tokens + seen.cache_write_1h_tokens;
  if (seen_total == 0 || seen.cache_write_1h_tokens == 0) return 0;
  if (total == seen_total) return seen.cache_write_1h_tokens;
  // Both counts are at most k_max_count (1e9): the product stays far below int64's limit.
  return (total * seen.cache_write_1h_tokens + seen_total / 2) / seen_total;
}

template <class Fields> void anthropic_overlay(Usage& usage, const Fields& fields) {
  if (!fields.is_object()) return;
  usage.reported = true;
  if (auto v = fields.count("input_tokens")) usage.input_uncached_tokens = *v;
  if (auto v = fields.count("cache_read_input_tokens")) usage.cache_read_tokens = *v;
  const Fields split = fields.object("cache_creation");
  auto split_5m = split.count("ephemeral_5m_input_tokens");
  auto split_1h = split.count("ephemeral_1h_input_tokens");
  if (auto total = fields.count("cache_creation_input_tokens")) {
    const int64_t one_hour =
        split_5m || split_1h ? std::min(split_1h.value_or(0), *total) : one_hour_share(usage, *total);
    usage.cache_write_1h_tokens = one_hour;
    usage.cache_write_5m_tokens = *total - one_hour;
  } else {
    if (split_5m) usage.cache_write_5m_tokens = *split_5m;
    if (split_1h) usage.cache_write_1h_tokens = *split_1h;
  }
  if (auto v = fields.count("output_tokens")) usage.output_tokens = *v;
  if (auto v = fields.object("output_tokens_details").count("thinking_tokens")) usage.reasoning_tokens = *v;
}

template <class Fields> Usage gemini_usage(const Fields& usage_metadata) {
  Usage out;
  if (!usage_metadata.is_object()) return out;
  out.reported = true;
  // promptTokenCount includes the cached part; candidatesTokenCount excludes thinking, which is
  // billed at the output rate (ai.google.dev pricing; musistudio/llms once left it unbilled).
  // toolUsePromptTokenCount (tool-use prompts such as grounding results) is input outside
  // promptTokenCount: totalTokenCount = prompt + candidates + toolUsePrompt + thoughts
  // (ai.google.dev UsageMetadata).
  int64_t prompt = count(usage_metadata, "promptTokenCount");
  int64_t cached = std::min(count(usage_metadata, "cachedContentTokenCount"), prompt);
  int64_t thoughts = count(usage_metadata, "thoughtsTokenCount");
  out.input_uncached_tokens = prompt - cached + count(usage_metadata, "toolUsePromptTokenCount");
  out.cache_read_tokens = cached;
  out.output_tokens = count(usage_metadata, "candidatesTokenCount") + thoughts;
  out.reasoning_tokens = thoughts;
  return out;
}

} // namespace

Usage usage_from_openai(const nlohmann::json& usage) { return openai_usage(DomFields(usage)); }
Usage usage_from_openai(JsonText usage) { return openai_usage(TextFields(usage.text)); }

void overlay_anthropic_usage(Usage& usage, const nlohmann::json& fields) {
  anthropic_overlay(usage, DomFields(fields));
}

Usage usage_from_anthropic(const nlohmann::json& usage) {
  Usage out;
  anthropic_overlay(out, DomFields(usage));
  return out;
}

Usage usage_from_anthropic(JsonText usage) {
  Usage out;
  anthropic_overlay(out, TextFields(usage.text));
  return out;
}

Usage usage_from_gemini(const nlohmann::json& usage_metadata) { return gemini_usage(DomFields(usage_metadata)); }
Usage usage_from_gemini(JsonText usage_metadata) { return gemini_usage(TextFields(usage_metadata.text)); }

} // namespace llmgw::core::protocol
