#include "core/translate/codec.hpp"

namespace llmgw::core::translate {

using protocol::ApiFormat;

#define LLMGW_DISPATCH(call)                                                                                           \
  switch (format) {                                                                                                    \
  case ApiFormat::anthropic: return anthropic::call;                                                                   \
  case ApiFormat::openai_chat: return openai_chat::call;                                                               \
  case ApiFormat::openai_responses: return openai_responses::call;                                                     \
  case ApiFormat::gemini: return gemini::call;                                                                         \
  }                                                                                                                    \
  return openai_chat::call;

Request decode_request(ApiFormat format,
                       const nlohmann::json& body){LLMGW_DISPATCH(decode_request(body))} nlohmann::json
    encode_request(ApiFormat format, const Request& request,
                   const RequestOptions& options){LLMGW_DISPATCH(encode_request(request, options))} Response
    decode_response(ApiFormat format, const nlohmann::json& body){LLMGW_DISPATCH(decode_response(body))} nlohmann::json
    encode_response(ApiFormat format, const Response& response,
                    const ResponseOptions& options){LLMGW_DISPATCH(encode_response(response, options))} Error
    decode_error(ApiFormat format, int status,
                 std::string_view body){LLMGW_DISPATCH(decode_error(status, body))} std::string
    encode_error(ApiFormat format, const Error& error){LLMGW_DISPATCH(encode_error(error))} std::string
    encode_stream_error(ApiFormat format, const Error& error){LLMGW_DISPATCH(
        encode_stream_error(error))} std::unique_ptr<StreamDecoder> make_stream_decoder(ApiFormat format){
        LLMGW_DISPATCH(
            make_stream_decoder())} std::unique_ptr<StreamEncoder> make_stream_encoder(ApiFormat format,
                                                                                       const ResponseOptions& options) {
  LLMGW_DISPATCH(make_stream_encoder(options))
}

#undef LLMGW_DISPATCH

} // namespace llmgw::core::translate
