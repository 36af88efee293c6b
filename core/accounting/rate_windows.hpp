#pragma once
// Which provider response headers describe a subscription or rate-limit window, kept for requests
// sent with the client's own credentials and shown by `llmgw usage` and its status line.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgw::core {

// One window header as the provider sent it: lowercase name, value.
using RateWindowHeader = std::pair<std::string, std::string>;

// True for Anthropic's `anthropic-ratelimit-unified-*` and OpenAI's six `x-ratelimit-*` headers
// (limit, remaining and reset of requests and tokens), in any letter case. Nothing else: these
// carry usage figures, never a credential.
bool is_rate_window_header(std::string_view name);

// The header kept for a window header, or nothing when the value is not short printable ASCII
// (at most 64 bytes) or the name is not a window header.
std::vector<RateWindowHeader> keep_rate_window_headers(const std::vector<RateWindowHeader>& headers);

} // namespace llmgw::core
