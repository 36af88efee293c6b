// Gemini generateContent (Google AI Studio) codec: non-streaming responses and errors
// (PROTOCOLS.md §6.3, §6.4). Requests are in request_*.cpp, streams in stream_*.cpp.
#include "core/protocol/error_types.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/gemini/codec.hpp"
#include "core/translate/error_kinds.hpp"
#include "core/translate/gemini/internal.hpp"

namespace llmgw::core::translate::gemini {

using namespace detail;

namespace {

// Gemini may end a reply with an empty text part that only carries the thoughtSignature; it
// belongs to the part before it (and is optional outside function calls, so it may be dropped).
void add_output_part(std::vector<Part>& parts, Part part) {
  if (part.kind != Part::Kind::text || !part.text.empty()) {
    parts.push_back(std::move(part));
    return;
  }
  if (parts.empty() || !parts.back().signature.empty() || parts.back().kind == Part::Kind::tool_call) return;
  parts.back().signature = std::move(part.signature);
  parts.back().issuer = part.issuer;
}

} // namespace

Response decode_response(const nlohmann::json& body) {
  if (!body.is_object()) throw TranslateError("gemini response is not a json object");
  Response out;
  out.id = string_member(body, "responseId");
  out.model = string_member(body, "modelVersion");
  out.usage = protocol::usage_from_gemini(member(body, "usageMetadata"));
  const json& candidates = member(body, "candidates");
  if (!candidates.is_array() || candidates.empty()) {
    // A blocked prompt comes as promptFeedback.blockReason with no candidates (§6.3).
    if (!string_member(member(body, "promptFeedback"), "blockReason").empty()) out.stop = StopReason::refusal;
    return out;
  }
  const json& candidate = candidates[0];
  const json& parts = member(member(candidate, "content"), "parts");
  bool has_call = false;
  for (const auto& part : elements(parts)) {
    if (member(part, "functionCall").is_object()) {
      Part call = decode_function_call(part, fresh_call_id());
      remember_call_signature(call);
      out.parts.push_back(std::move(call));
      has_call = true;
    } else if (auto basic = decode_basic_part(part)) {
      add_output_part(out.parts, std::move(*basic));
    }
  }
  out.stop = stop_from_finish_reason(string_member(candidate, "finishReason"), has_call);
  return out;
}

nlohmann::json encode_response(const Response& response, const ResponseOptions& options) {
  json parts = json::array();
  for (const auto& part : response.parts)
    if (json encoded = output_part(part); !encoded.is_null()) parts.push_back(std::move(encoded));
  if (parts.empty()) parts.push_back({{"text", ""}});
  json candidate{{"content", {{"role", "model"}, {"parts", parts}}},
                 {"finishReason", finish_reason_for(response.stop)},
                 {"index", 0}};
  return {{"candidates", json::array({candidate})},
          {"usageMetadata", usage_metadata(response.usage)},
          {"modelVersion", options.model},
          {"responseId", response.id}};
}

Error decode_error(int status, std::string_view body) {
  Error out;
  out.status = status;
  auto parsed = protocol::parse_json(body);
  // Gemini sometimes wraps the error object in a one-element array.
  const json& root = parsed.is_array() && !parsed.empty() ? parsed[0] : parsed;
  const json& error = member(root, "error");
  if (error.is_object()) {
    out.message = string_member(error, "message");
    out.type = string_member(error, "status");
  } else if (error.is_string()) {
    out.message = error.get<std::string>();
  } else {
    out.message = string_member(root, "message");
  }
  if (out.message.empty() && !root.is_object()) out.message = std::string(body);
  if (out.message.empty()) out.message = "gemini upstream returned http status " + std::to_string(status);
  return out;
}

std::string encode_error(const Error& error) {
  const auto& names = protocol::gemini_error_types();
  std::string status(names.knows(error.type) ? std::string_view(error.type) : names.type_for_status(error.status));
  // Gemini reports its own context overflow as 400 INVALID_ARGUMENT ("... exceeds the maximum
  // number of tokens allowed ..."); keep that status whatever the other provider called it.
  if (is_context_overflow(error)) status = "INVALID_ARGUMENT";
  return dump({{"error", {{"code", error.status}, {"message", error.message}, {"status", status}}}});
}

std::string encode_stream_error(const Error& error) { return "data: " + encode_error(error) + "\n\n"; }

} // namespace llmgw::core::translate::gemini
