// Whole bodies through the translator (core/translate/translator.hpp): a client's request decoded
// and encoded for every upstream format, an upstream's answer translated for every client format.
// TranslateError is the one failure allowed; whatever is produced must be JSON.
#include "core/translate/translator.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

#include <nlohmann/json.hpp>

namespace llmgw::fuzz {

using core::protocol::ApiFormat;
namespace translate = core::translate;

namespace {

constexpr ApiFormat k_formats[] = {ApiFormat::anthropic, ApiFormat::openai_chat, ApiFormat::openai_responses,
                                   ApiFormat::gemini};

// The reasoning family of a provider of each format.
translate::Issuer family_of(ApiFormat format) {
  switch (format) {
  case ApiFormat::anthropic: return translate::Issuer::anthropic;
  case ApiFormat::openai_chat:
  case ApiFormat::openai_responses: return translate::Issuer::openai;
  case ApiFormat::gemini: return translate::Issuer::gemini;
  }
  return translate::Issuer::none;
}

void require_json(const std::string& text, const char* what) { require(nlohmann::json::accept(text), what); }

} // namespace

void fuzz_request(ApiFormat client, std::string_view input) {
  // The passthrough path: a body sent on untranslated, minus foreign reasoning state.
  if (auto stripped = translate::strip_foreign_reasoning(client, input)) require_json(*stripped, "stripped body");
  translate::DecodedRequest decoded;
  try {
    decoded = translate::decode_client_request(client, input, input.size() % 2 == 0 ? "" : "path-model");
  } catch (const translate::TranslateError&) {
    return;
  }
  (void)translate::estimate_input_tokens(decoded.request);
  for (ApiFormat upstream : k_formats) {
    translate::RequestOptions options;
    options.model = "upstream-model";
    options.family = family_of(upstream);
    options.openai_first_party = input.size() % 3 == 0;
    options.auto_cache = input.size() % 5 != 0;
    try {
      require_json(translate::encode_upstream_request(upstream, decoded.request, options), "encoded request");
    } catch (const translate::TranslateError&) {}
  }
}

void fuzz_response(ApiFormat upstream, std::string_view input) {
  translate::ResponseOptions options;
  options.model = "client-model";
  options.custom_tools = {"apply_patch"};
  static constexpr int k_statuses[] = {400, 401, 404, 413, 429, 500, 503, 529};
  const int status = k_statuses[input.size() % std::size(k_statuses)];
  for (ApiFormat client : k_formats) {
    try {
      require_json(translate::translate_response(upstream, client, input, options), "translated response");
    } catch (const translate::TranslateError&) {}
    try {
      require_json(translate::translate_error(upstream, client, status, input), "translated error");
    } catch (const translate::TranslateError&) {}
  }
}

} // namespace llmgw::fuzz
