#include "core/translate/codec.hpp"

#include "core/translate/anthropic/codec.hpp"
#include "core/translate/gemini/codec.hpp"
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/openai_responses/codec.hpp"

#include <utility>

namespace llmgw::core::translate {

using protocol::ApiFormat;

const Codec& Codecs::operator[](ApiFormat format) const {
  switch (format) {
  case ApiFormat::openai_chat: return openai_chat;
  case ApiFormat::openai_responses: return openai_responses;
  case ApiFormat::anthropic: return anthropic;
  case ApiFormat::gemini: return gemini;
  }
  return openai_chat;
}

Codec& Codecs::operator[](ApiFormat format) { return const_cast<Codec&>(std::as_const(*this)[format]); }

const Codecs& builtin_codecs() {
  static const Codecs k_builtin{openai_chat::codec(), openai_responses::codec(), anthropic::codec(), gemini::codec()};
  return k_builtin;
}

} // namespace llmgw::core::translate
