#include "core/policy/redaction.hpp"

namespace llmgw::core::policy {

void redact_in_place(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  constexpr std::string_view k_mark = "[redacted]";
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + k_mark.size()))
    text.replace(at, secret.size(), k_mark);
}

void redact_headers(httplib::Headers& headers, std::string_view secret) {
  if (secret.empty()) return;
  for (auto& header : headers) redact_in_place(header.second, secret);
}

} // namespace llmgw::core::policy
