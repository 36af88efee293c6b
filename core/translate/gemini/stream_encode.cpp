// Neutral stream events -> a client's Gemini streamGenerateContent?alt=sse stream (PROTOCOLS.md
// §6.3, §8): `data: <GenerateContentResponse>` blocks with only the new parts, no event names and
// no final marker.
#include "core/translate/gemini/codec.hpp"
#include "core/translate/gemini/internal.hpp"

namespace llmgw::core::translate::gemini {

using namespace detail;

namespace {

// For gemini-cli: one chunk per delta, every chunk with modelVersion and responseId.
class Encoder final : public StreamEncoder {
public:
  explicit Encoder(const ResponseOptions& options) : m_model(options.model) {}

  void on(const StreamEvent& event, std::string& out) override {
    switch (event.type) {
    case StreamEvent::Type::start: m_id = event.id; break;
    case StreamEvent::Type::block_start:
      m_part = event.part;
      m_buffer.clear();
      m_signature.clear();
      break;
    case StreamEvent::Type::block_delta: on_delta(event, out); break;
    case StreamEvent::Type::block_stop: on_stop(out); break;
    case StreamEvent::Type::finish: on_finish(event, out); break;
    case StreamEvent::Type::error: out += encode_stream_error(event.error); break;
    }
  }

private:
  void on_delta(const StreamEvent& event, std::string& out) {
    m_signature += event.signature;
    if (m_part.kind == Part::Kind::tool_call) {
      m_buffer += event.delta;
    } else if (!event.delta.empty() && (m_part.kind == Part::Kind::text || m_part.kind == Part::Kind::thinking)) {
      json part{{"text", event.delta}};
      if (m_part.kind == Part::Kind::thinking) part["thought"] = true;
      write(json::array({part}), out);
    }
  }

  void on_stop(std::string& out) {
    if (m_part.kind == Part::Kind::tool_call) {
      write(json::array({function_call_part(m_part, m_buffer, m_signature)}), out);
    } else if (m_part.kind == Part::Kind::thinking && !m_signature.empty()) {
      Part signed_thought = m_part;
      signed_thought.signature = m_signature;
      write(json::array({output_part(signed_thought)}), out);
    }
    m_part = Part();
  }

  // gemini-cli needs a finishReason to accept a turn without function calls (NO_FINISH_REASON);
  // the empty text keeps the chunk's shape without adding text.
  void on_finish(const StreamEvent& event, std::string& out) {
    json candidate{{"content", {{"role", "model"}, {"parts", json::array({{{"text", ""}}})}}},
                   {"finishReason", finish_reason_for(event.stop)},
                   {"index", 0}};
    json chunk{{"candidates", json::array({candidate})}, {"usageMetadata", usage_metadata(event.usage)}};
    out += frame(chunk);
  }

  void write(json parts, std::string& out) const {
    json candidate{{"content", {{"role", "model"}, {"parts", std::move(parts)}}}, {"index", 0}};
    out += frame({{"candidates", json::array({candidate})}});
  }

  std::string frame(json chunk) const {
    chunk["modelVersion"] = m_model;
    chunk["responseId"] = m_id;
    return "data: " + dump(chunk) + "\n\n";
  }

  std::string m_model;
  std::string m_id;
  Part m_part;
  std::string m_buffer;    // tool call arguments (or a custom tool's input) until the block ends
  std::string m_signature; // the open block's signature, sent with its last chunk
};

} // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(const ResponseOptions& options) {
  return std::make_unique<Encoder>(options);
}

} // namespace llmgw::core::translate::gemini
