// Gemini streamGenerateContent?alt=sse (an upstream Gemini) -> neutral stream events (PROTOCOLS.md
// §6.3, §8): every SSE block is `data: <GenerateContentResponse>` with only the new parts, no event
// names and no final marker; the stream ends when the connection closes after a chunk with a
// finishReason.
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/gemini/codec.hpp"
#include "core/translate/gemini/internal.hpp"

namespace llmgw::core::translate::gemini {

using namespace detail;

namespace {

StreamEvent event_of(StreamEvent::Type type) {
  StreamEvent event;
  event.type = type;
  return event;
}

class Decoder final : public StreamDecoder {
public:
  void on_event(const http::SseEvent& event, std::vector<StreamEvent>& out) override {
    if (m_done || !event.has_data) return;
    auto chunk = protocol::parse_json(event.data);
    if (chunk.is_array() && !chunk.empty()) chunk = chunk[0]; // [{"error": {...}}]
    if (!chunk.is_object()) return;
    if (chunk.contains("error")) return fail(chunk["error"], out);
    if (!m_started) start(chunk, out);
    if (const json& usage = member(chunk, "usageMetadata"); usage.is_object())
      m_usage = protocol::usage_from_gemini(usage);
    const json& candidates = member(chunk, "candidates");
    if (!candidates.is_array() || candidates.empty()) {
      if (!string_member(member(chunk, "promptFeedback"), "blockReason").empty()) m_finish_reason = "SAFETY";
      return;
    }
    const json& parts = member(member(candidates[0], "content"), "parts");
    for (const auto& part : elements(parts)) on_part(part, out);
    if (std::string reason = string_member(candidates[0], "finishReason"); !reason.empty()) m_finish_reason = reason;
  }

  // No final event exists: a stream that got a finishReason finished when the connection closed.
  void on_end(std::vector<StreamEvent>& out) override {
    if (m_done || m_finish_reason.empty()) return;
    close_open(out);
    StreamEvent finish = event_of(StreamEvent::Type::finish);
    finish.stop = stop_from_finish_reason(m_finish_reason, m_saw_call);
    finish.usage = m_usage;
    out.push_back(std::move(finish));
    m_done = true;
  }

private:
  void start(const json& chunk, std::vector<StreamEvent>& out) {
    StreamEvent event = event_of(StreamEvent::Type::start);
    event.id = string_member(chunk, "responseId");
    event.model = string_member(chunk, "modelVersion");
    if (const json& usage = member(chunk, "usageMetadata"); usage.is_object()) {
      event.usage = protocol::usage_from_gemini(usage);
      event.usage.output_tokens = 0; // input is known up front; output grows chunk by chunk
      event.usage.reasoning_tokens = 0;
    }
    out.push_back(std::move(event));
    m_started = true;
  }

  void fail(const json& error, std::vector<StreamEvent>& out) {
    StreamEvent event = event_of(StreamEvent::Type::error);
    const json& code = member(error, "code");
    event.error.status = code.is_number_integer() ? code.get<int>() : 500;
    event.error.type = string_member(error, "status");
    event.error.message = error.is_string() ? error.get<std::string>() : string_member(error, "message");
    if (event.error.message.empty()) event.error.message = dump(error);
    out.push_back(std::move(event));
    m_done = true;
  }

  void on_part(const json& part, std::vector<StreamEvent>& out) {
    if (member(part, "functionCall").is_object()) return on_call(decode_function_call(part, fresh_call_id()), out);
    auto basic = decode_basic_part(part);
    if (!basic || (basic->kind != Part::Kind::text && basic->kind != Part::Kind::thinking)) return;
    // An empty text part that only carries a signature belongs to the open block.
    bool signature_only = basic->text.empty();
    if (!signature_only && (m_open < 0 || m_open_kind != basic->kind)) {
      close_open(out);
      open_block(*basic, out);
    }
    if (m_open < 0) return;
    if (!signature_only) out.push_back(delta(m_open, basic->text, ""));
    // Text and thought blocks are Gemini's; a wrapped foreign signature stays wrapped on them.
    if (std::string signature = string_member(part, "thoughtSignature"); !signature.empty())
      out.push_back(delta(m_open, "", signature));
  }

  // Function calls arrive whole: one block with all the arguments.
  void on_call(Part call, std::vector<StreamEvent>& out) {
    close_open(out);
    remember_call_signature(call);
    m_saw_call = true;
    int block = m_next_block++;
    StreamEvent begin = event_of(StreamEvent::Type::block_start);
    begin.block = block;
    begin.part.kind = Part::Kind::tool_call;
    begin.part.id = call.id;
    begin.part.name = call.name;
    begin.part.issuer = call.issuer;
    out.push_back(std::move(begin));
    out.push_back(delta(block, call.arguments, ""));
    if (!call.signature.empty()) out.push_back(delta(block, "", call.signature));
    StreamEvent stop = event_of(StreamEvent::Type::block_stop);
    stop.block = block;
    out.push_back(std::move(stop));
  }

  void open_block(const Part& first, std::vector<StreamEvent>& out) {
    m_open = m_next_block++;
    m_open_kind = first.kind;
    StreamEvent begin = event_of(StreamEvent::Type::block_start);
    begin.block = m_open;
    begin.part.kind = first.kind;
    begin.part.issuer = Issuer::gemini;
    out.push_back(std::move(begin));
  }

  void close_open(std::vector<StreamEvent>& out) {
    if (m_open < 0) return;
    StreamEvent stop = event_of(StreamEvent::Type::block_stop);
    stop.block = m_open;
    out.push_back(std::move(stop));
    m_open = -1;
  }

  static StreamEvent delta(int block, std::string text, std::string signature) {
    StreamEvent event = event_of(StreamEvent::Type::block_delta);
    event.block = block;
    event.delta = std::move(text);
    event.signature = std::move(signature);
    return event;
  }

  bool m_started = false;
  bool m_done = false;
  bool m_saw_call = false;
  int m_open = -1; // the open text or thinking block, -1 when none
  Part::Kind m_open_kind = Part::Kind::text;
  int m_next_block = 0;
  std::string m_finish_reason;
  Usage m_usage;
};

} // namespace

std::unique_ptr<StreamDecoder> make_stream_decoder() { return std::make_unique<Decoder>(); }

} // namespace llmgw::core::translate::gemini
