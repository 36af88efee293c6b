#pragma once
// The OpenAI Responses codec: its functions, and the table of them (core/translate/codec.hpp).
#include "core/translate/codec.hpp"

namespace llmgw::core::translate::openai_responses {

// This format's functions as one table.
const Codec& codec();

// Throws TranslateError when the body does not have the format's shape.
Request decode_request(const nlohmann::json& body);
nlohmann::json encode_request(const Request& request, const RequestOptions& options);
Response decode_response(const nlohmann::json& body);
nlohmann::json encode_response(const Response& response, const ResponseOptions& options);
// An error body of this format (or any text) with the HTTP status it came with.
Error decode_error(int status, std::string_view body);
// A complete error body of this format; the status goes on the HTTP response.
std::string encode_error(const Error& error);
// The in-band SSE event that reports an error inside a started stream of this format.
std::string encode_stream_error(const Error& error);
std::unique_ptr<StreamDecoder> make_stream_decoder();
std::unique_ptr<StreamEncoder> make_stream_encoder(const ResponseOptions& options);

} // namespace llmgw::core::translate::openai_responses
