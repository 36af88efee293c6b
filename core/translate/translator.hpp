#pragma once
// One translated exchange: the client's request into the upstream's format, and the upstream's
// answer (body, error or stream) back into the client's. Used only when the two formats differ;
// same-format traffic is passed through untouched (core/pipeline). Whatever the input, these
// functions throw TranslateError and nothing else (with the built-in codecs: a codec of `codecs`
// may throw anything); text from outside is parsed with protocol::parse_json, so JSON nested
// deeper than protocol::k_max_json_depth is refused too. The codecs are the built-in ones unless
// a caller passes others (tests).
#include "core/http/sse_parser.hpp"
#include "core/protocol/api_format.hpp"
#include "core/translate/codec.hpp"
#include "core/translate/sequencer.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::translate {

// The client's request decoded once; each deployment tried encodes it for its own provider.
struct DecodedRequest {
  Request request;
  ResponseOptions response; // the client's model name, usage chunk wish, custom tools
};

// Parse and decode a client's body. `model` overrides the body's model (Gemini puts it in the
// path). Throws TranslateError on a body that is not JSON, nests too deep or is not of the
// format's shape.
DecodedRequest decode_client_request(protocol::ApiFormat client, std::string_view body, std::string_view model,
                                     const Codecs& codecs = builtin_codecs());

// The upstream body for a provider speaking `upstream`.
std::string encode_upstream_request(protocol::ApiFormat upstream, const Request& request, const RequestOptions& options,
                                    const Codecs& codecs = builtin_codecs());

// A 2xx upstream body as the client's format has it. Throws TranslateError when it is not JSON.
std::string translate_response(protocol::ApiFormat upstream, protocol::ApiFormat client, std::string_view body,
                               const ResponseOptions& options, const Codecs& codecs = builtin_codecs());

// An upstream error body (any status >= 400) as the client's format has it, message kept word for
// word; the status stays the upstream's.
std::string translate_error(protocol::ApiFormat upstream, protocol::ApiFormat client, int status, std::string_view body,
                            const Codecs& codecs = builtin_codecs());

// A rough local token count of a request (about 4 bytes of text a token), for count_tokens
// endpoints whose provider cannot count.
int64_t estimate_input_tokens(const Request& request);

// Drop reasoning state another provider family issued from a body passed through to a provider
// of format `format` (a client may replay what a translated answer gave it, PROTOCOLS.md §5.8).
// Returns the new body, or nullopt when nothing had to change. Cheap when there is nothing.
std::optional<std::string> strip_foreign_reasoning(protocol::ApiFormat format, std::string_view body);

// Decoder, sequencer and encoder of one translated stream. Never throws: what cannot be
// translated ends the client's stream with an error event.
class StreamTranslator {
public:
  StreamTranslator(protocol::ApiFormat upstream, protocol::ApiFormat client, ResponseOptions options,
                   const Codecs& codecs = builtin_codecs());

  // One upstream SSE block; appends the client's SSE bytes.
  void feed(const http::SseEvent& event, std::string& out);
  // The upstream ended; appends the client's closing events: its format's final event when the
  // upstream's stream finished, else an error event (status 502). Afterwards ended() is true.
  void finish(std::string& out);
  // The client's stream got its final event (a finish or an error).
  bool ended() const { return m_sequencer.ended(); }

private:
  void encode(std::vector<StreamEvent>& events, std::string& out);
  // Ends the client's stream with an error event (open blocks are closed first).
  void fail(int status, std::string_view message, std::string& out);

  std::unique_ptr<StreamDecoder> m_decoder;
  std::unique_ptr<StreamEncoder> m_encoder;
  Sequencer m_sequencer;
  std::vector<StreamEvent> m_decoded; // reused between blocks
  std::vector<StreamEvent> m_ordered;
};

} // namespace llmgw::core::translate
