#include "core/translate/openai_chat/codec.hpp"

namespace llmgw::core::translate::openai_chat {

const Codec& codec() {
  static constexpr Codec k_codec{decode_request,      encode_request,      decode_response,
                                 encode_response,     decode_error,        encode_error,
                                 encode_stream_error, make_stream_decoder, make_stream_encoder};
  return k_codec;
}

} // namespace llmgw::core::translate::openai_chat
