#include "core/pipeline/output_limit.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace llmgw::core::pipeline {
namespace {

using protocol::ApiFormat;

std::optional<long long> integer_text(std::string_view raw) {
  long long value = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (raw.empty() || ec != std::errc() || end != raw.data() + raw.size()) return std::nullopt;
  return value;
}

std::string_view value_text(std::string_view body, const protocol::TopLevelMember& member) {
  return body.substr(member.value_begin, member.value_end - member.value_begin);
}

std::vector<const char*> limit_fields(ApiFormat format) {
  switch (format) {
  case ApiFormat::openai_chat: return {"max_completion_tokens", "max_tokens"};
  case ApiFormat::openai_responses: return {"max_output_tokens"};
  case ApiFormat::anthropic: return {"max_tokens"};
  case ApiFormat::gemini: return {};
  }
  return {};
}

struct Splice {
  size_t begin;
  size_t end;
  std::string text;
};

// Lower every named limit above limit_tokens in the object `object` (at `offset` within the body)
// or, when it names none, add `first` after its brace.
void lower_fields(std::string_view object, const protocol::ScannedObject& scanned, size_t offset,
                  const std::vector<const char*>& fields, int64_t limit_tokens, std::vector<Splice>& splices) {
  const std::string limit = std::to_string(limit_tokens);
  bool named = false;
  for (const char* field : fields) {
    const auto* member = scanned.find(field);
    if (member == nullptr) continue;
    named = true;
    const auto value = integer_text(value_text(object, *member));
    if (value && *value > 0 && *value <= limit_tokens) continue;
    splices.push_back({offset + member->value_begin, offset + member->value_end, limit});
  }
  if (named || fields.empty()) return;
  const size_t at = offset + scanned.open_brace + 1;
  const std::string separator = scanned.members.empty() ? "" : ",";
  splices.push_back({at, at, protocol::json_quote(fields.front()) + ":" + limit + separator});
}

// Gemini nests the limit: generationConfig.maxOutputTokens.
void lower_gemini(std::string_view body, const protocol::ScannedObject& scanned, int64_t limit_tokens,
                  std::vector<Splice>& splices) {
  const auto* config = scanned.find("generationConfig");
  const std::string_view text = config ? value_text(body, *config) : std::string_view();
  const auto inner = config ? protocol::scan_object(text) : std::nullopt;
  if (inner) return lower_fields(text, *inner, config->value_begin, {"maxOutputTokens"}, limit_tokens, splices);
  const std::string limit = "{\"maxOutputTokens\":" + std::to_string(limit_tokens) + "}";
  if (config) {
    splices.push_back({config->value_begin, config->value_end, limit}); // not an object: the provider would refuse it
    return;
  }
  const size_t at = scanned.open_brace + 1;
  splices.push_back({at, at, "\"generationConfig\":" + limit + (scanned.members.empty() ? "" : ",")});
}

} // namespace

int64_t requested_output_limit(ApiFormat format, std::string_view body, const protocol::ScannedObject& scanned) {
  if (format == ApiFormat::gemini) {
    const auto* config = scanned.find("generationConfig");
    if (config == nullptr) return 0;
    const auto value = integer_text(protocol::member_text(value_text(body, *config), "maxOutputTokens"));
    return value && *value > 0 ? *value : 0;
  }
  for (const char* field : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
    const auto* member = scanned.find(field);
    const auto value = member ? protocol::integer_value(body, *member) : std::nullopt;
    if (value && *value > 0) return *value;
  }
  return 0;
}

int64_t least_output_limit(ApiFormat format, std::string_view body, const protocol::ScannedObject& scanned) {
  if (format != ApiFormat::anthropic) return 1;
  const auto* thinking = scanned.find("thinking");
  if (thinking == nullptr) return 1;
  const auto budget = integer_text(protocol::member_text(value_text(body, *thinking), "budget_tokens"));
  return budget && *budget > 0 ? *budget + 1 : 1;
}

std::string limit_output(ApiFormat format, std::string body, int64_t limit_tokens) {
  const auto scanned = protocol::scan_object(body);
  if (!scanned || limit_tokens <= 0) return body;
  std::vector<Splice> splices;
  if (format == ApiFormat::gemini)
    lower_gemini(body, *scanned, limit_tokens, splices);
  else
    lower_fields(body, *scanned, 0, limit_fields(format), limit_tokens, splices);
  if (splices.empty()) return body;
  std::sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) { return a.begin > b.begin; });
  for (const Splice& splice : splices) body.replace(splice.begin, splice.end - splice.begin, splice.text);
  return body;
}

} // namespace llmgw::core::pipeline
