#pragma once
// What keeps client text from changing the shape of an upstream request: a model name spliced
// into a path, a query forwarded as it came, a header value copied across. Nothing allocates
// except the strings returned.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::providers {

// Longest model name accepted, in bytes (real ones are well under 100).
inline constexpr size_t k_max_model_name_bytes = 256;

// Why a requested model name is refused (400), nullopt when it is acceptable: longer than
// k_max_model_name_bytes, a control character (CR, LF, NUL, ...), or not UTF-8.
std::optional<std::string> check_model_name(std::string_view model);

// One path segment: unreserved characters (A-Z a-z 0-9 - . _ ~) kept, every other byte %XX, so
// "/", ":", "?", "#", spaces and CR/LF cannot end the segment. "." and ".." become %2E.
std::string encode_path_segment(std::string_view text);

// The client's query ("?..." or "") as it may go upstream: key= parameters (Gemini clients send
// the llmgw token there) removed unless keep_key, bytes that cannot appear in a request line
// (controls, space, non-ASCII, '#') percent-encoded. "" when nothing is left.
std::string forwarded_query(std::string_view query, bool keep_key);

// A header name is an RFC 9110 token.
bool safe_header_name(std::string_view name);
// A header value has no control character other than a tab (no CR, LF, NUL, DEL).
bool safe_header_value(std::string_view value);

} // namespace llmgw::core::providers
