#pragma once
// One codec per wire format: decode a request, response, error or stream of that format into the
// neutral form (ir.hpp) and encode the neutral form back into it. Each format lives in a folder of
// its own (anthropic/, openai_chat/, openai_responses/, gemini/, the same file names in each) and
// hands out its functions as one Codec.
#include "core/http/sse_parser.hpp"
#include "core/protocol/api_format.hpp"
#include "core/translate/ir.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::translate {

// Reads one upstream stream of a format and reports neutral events. Blocks may interleave and
// need not be closed; the stream's end is reported by a finish (or error) event, once.
class StreamDecoder {
public:
  virtual ~StreamDecoder() = default;
  // One SSE block (comments and pings included: ignore what carries nothing).
  virtual void on_event(const http::SseEvent& event, std::vector<StreamEvent>& out) = 0;
  // The upstream connection ended. Emit the finish the format's final event would have given
  // when the stream did finish (Gemini has no final event; Chat may miss [DONE]); emit nothing
  // when it was cut short (the relay reports the cut).
  virtual void on_end(std::vector<StreamEvent>& out) = 0;
};

// Writes a client's stream in a format from neutral events that arrive in order: one start, then
// blocks one at a time (block_start, block_delta..., block_stop, numbered 0, 1, 2...), then one
// finish or error. Appends complete SSE blocks ("event: ...\ndata: ...\n\n") to out.
class StreamEncoder {
public:
  virtual ~StreamEncoder() = default;
  virtual void on(const StreamEvent& event, std::string& out) = 0;
};

// The functions of one wire format's codec, as plain function pointers so that a table of them
// can be copied and a function replaced (a fake codec in tests).
struct Codec {
  // Throws TranslateError when the body does not have the format's shape.
  Request (*decode_request)(const nlohmann::json& body);
  nlohmann::json (*encode_request)(const Request& request, const RequestOptions& options);
  Response (*decode_response)(const nlohmann::json& body);
  nlohmann::json (*encode_response)(const Response& response, const ResponseOptions& options);
  // An error body of this format (or any text) with the HTTP status it came with.
  Error (*decode_error)(int status, std::string_view body);
  // A complete error body of this format; the status goes on the HTTP response.
  std::string (*encode_error)(const Error& error);
  // The in-band SSE event that reports an error inside a started stream of this format.
  std::string (*encode_stream_error)(const Error& error);
  std::unique_ptr<StreamDecoder> (*make_stream_decoder)();
  std::unique_ptr<StreamEncoder> (*make_stream_encoder)(const ResponseOptions& options);
};

// One codec per format, chosen by format at run time.
struct Codecs {
  Codec openai_chat;
  Codec openai_responses;
  Codec anthropic;
  Codec gemini;

  const Codec& operator[](protocol::ApiFormat format) const;
  Codec& operator[](protocol::ApiFormat format);
};

// The codecs of core/translate/<format>/.
const Codecs& builtin_codecs();

} // namespace llmgw::core::translate
