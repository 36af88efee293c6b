#pragma once
// Error responses in the shape of the API the client called (PROTOCOLS.md §1.7, §2.4, §3.8), with
// the type names of error_types.hpp.
#include "core/protocol/api_format.hpp"

#include <string>
#include <string_view>

namespace llmgw::core::protocol {

// A complete JSON error body for an HTTP error response.
std::string error_body(ApiFormat format, int status, std::string_view message);

// One SSE event that reports an error inside an already started stream; the stream ends after it.
std::string stream_error_event(ApiFormat format, int status, std::string_view message);

} // namespace llmgw::core::protocol
