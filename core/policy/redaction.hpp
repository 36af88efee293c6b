#pragma once
// Provider keys never reach a client, a log or the ledger, even when a provider echoes one back
// (in an error body, an SSE event or a response header).
#include <httplib.h>

#include <string>
#include <string_view>

namespace llmgw::core::policy {

// Replace every occurrence of secret in text with "[redacted]" (no-op for an empty secret).
void redact_in_place(std::string& text, std::string_view secret);
// The same over every header value.
void redact_headers(httplib::Headers& headers, std::string_view secret);

} // namespace llmgw::core::policy
