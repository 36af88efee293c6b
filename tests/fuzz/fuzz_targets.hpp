#pragma once
// The libFuzzer targets of tests/fuzz (README "Fuzzing"). Each feeds arbitrary bytes to one part of
// the request path and checks its contract; a broken contract aborts, and so does any exception
// other than TranslateError (it escapes to libFuzzer, which reports it with the input).
#include "core/protocol/api_format.hpp"

#include <string_view>

namespace llmgw::fuzz {

using Target = void (*)(std::string_view input);

// The target named `name` (tests/fuzz/targets.cmake lists them all), or nullptr.
Target find_target(std::string_view name);

// Aborts with "fuzz contract broken: <what>" unless ok.
void require(bool ok, const char* what);

// scan_object, member_text, object_members, first_element and parse_json against nlohmann's parser.
void fuzz_json_scan(std::string_view input);
// Header lines parsed (twice, the map kept whole between) against inserting each line in turn.
void fuzz_header_lines(std::string_view input);
// The SSE parser fed in reads split where the input's own bytes say, against one whole read.
void fuzz_sse_parser(std::string_view input);
// A client's body of `client` decoded, then encoded for every upstream format.
void fuzz_request(core::protocol::ApiFormat client, std::string_view input);
// An upstream body of `upstream` translated for every client format, as a 2xx body and as an error.
void fuzz_response(core::protocol::ApiFormat upstream, std::string_view input);
// An upstream stream of `upstream` translated for every client format; each translated stream
// must end with its format's final event or an error event, once, and nothing after it.
void fuzz_stream(core::protocol::ApiFormat upstream, std::string_view input);

} // namespace llmgw::fuzz
