// Neutral stream events -> an Anthropic Messages stream for Claude Code and the Anthropic SDKs
// (PROTOCOLS.md §3.5, §5.6): every record has an `event:` line (the SDK dispatches on it and drops
// data-only records), blocks are sequential with indexes 0, 1, 2..., thinking blocks end with a
// signature_delta, tool_use input streams as input_json_delta.
#include "core/translate/anthropic/internal.hpp"
#include "core/translate/anthropic/codec.hpp"

namespace llmgw::core::translate::anthropic {
namespace {

using namespace detail;

class Encoder final : public StreamEncoder {
public:
  explicit Encoder(ResponseOptions options) : m_options(std::move(options)) {}

  void on(const StreamEvent& event, std::string& out) override {
    if (m_ended) return;
    switch (event.type) {
    case StreamEvent::Type::start: start(event, out); break;
    case StreamEvent::Type::block_start: open(event.part, out); break;
    case StreamEvent::Type::block_delta: delta(event, out); break;
    case StreamEvent::Type::block_stop: close(out); break;
    case StreamEvent::Type::finish: finish(event, out); break;
    case StreamEvent::Type::error:
      out += encode_stream_error(event.error);
      m_ended = true;
      break;
    }
  }

private:
  // What the open block is; text starts only with its first non-empty delta, so a text block that
  // stays empty is never sent (Claude Code would replay it, and empty text blocks are rejected).
  enum class Open { none, text_pending, text, thinking, redacted, tool, custom_tool, skipped };

  static void write(std::string_view name, const json& data, std::string& out) {
    out += "event: ";
    out += name;
    out += "\ndata: ";
    out += dump(data);
    out += "\n\n";
  }

  void start(const StreamEvent& event, std::string& out) {
    if (m_started) return;
    m_started = true;
    if (event.usage.reported) m_start_usage = event.usage;
    json message{{"id", event.id.empty() ? random_id("msg_") : event.id},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", m_options.model},
                 {"content", json::array()},
                 {"stop_reason", nullptr},
                 {"stop_sequence", nullptr},
                 {"usage", usage_json(m_start_usage)}};
    write("message_start", {{"type", "message_start"}, {"message", std::move(message)}}, out);
  }

  void block_start(const json& block, std::string& out) {
    write("content_block_start", {{"type", "content_block_start"}, {"index", m_index}, {"content_block", block}}, out);
  }

  void block_delta(const json& delta, std::string& out) {
    write("content_block_delta", {{"type", "content_block_delta"}, {"index", m_index}, {"delta", delta}}, out);
  }

  void open(const Part& part, std::string& out) {
    start(StreamEvent{}, out);
    if (m_open != Open::none) close(out);
    m_part = part;
    m_custom_started = false;
    switch (part.kind) {
    case Part::Kind::text: m_open = Open::text_pending; return;
    case Part::Kind::thinking:
      m_open = Open::thinking;
      block_start({{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, out);
      return;
    case Part::Kind::redacted_thinking: m_open = Open::redacted; return; // sent whole at its stop
    case Part::Kind::tool_call:
      m_open = part.custom ? Open::custom_tool : Open::tool;
      if (m_part.id.empty()) m_part.id = random_id("toolu_");
      m_saw_tool_call = true;
      block_start({{"type", "tool_use"}, {"id", m_part.id}, {"name", part.name}, {"input", json::object()}}, out);
      return;
    default: m_open = Open::skipped; return; // no Anthropic output block for images or results
    }
  }

  void delta(const StreamEvent& event, std::string& out) {
    m_part.signature += event.signature;
    if (event.delta.empty()) return;
    switch (m_open) {
    case Open::text_pending:
      m_open = Open::text;
      block_start({{"type", "text"}, {"text", ""}}, out);
      [[fallthrough]];
    case Open::text: block_delta({{"type", "text_delta"}, {"text", event.delta}}, out); break;
    case Open::thinking: block_delta({{"type", "thinking_delta"}, {"thinking", event.delta}}, out); break;
    case Open::tool: block_delta({{"type", "input_json_delta"}, {"partial_json", event.delta}}, out); break;
    case Open::custom_tool: custom_input(event.delta, out); break;
    default: break;
    }
  }

  // A freeform (custom) tool's raw text becomes the input {"input": "<text>"}, streamed as the
  // JSON text's pieces: the opening, each fragment escaped, and the closing at the block's stop.
  void custom_input(const std::string& fragment, std::string& out) {
    std::string escaped = dump(json(fragment));
    std::string piece = escaped.substr(1, escaped.size() - 2);
    if (!m_custom_started) piece = "{\"input\":\"" + piece;
    m_custom_started = true;
    block_delta({{"type", "input_json_delta"}, {"partial_json", piece}}, out);
  }

  void close(std::string& out) {
    switch (m_open) {
    case Open::none:
    case Open::text_pending:
    case Open::skipped: m_open = Open::none; return;
    case Open::thinking:
      block_delta({{"type", "signature_delta"}, {"signature", client_signature(m_part)}}, out);
      break;
    case Open::redacted: block_start({{"type", "redacted_thinking"}, {"data", client_signature(m_part)}}, out); break;
    case Open::custom_tool:
      block_delta({{"type", "input_json_delta"}, {"partial_json", m_custom_started ? "\"}" : "{\"input\":\"\"}"}}, out);
      break;
    case Open::text:
    case Open::tool: break;
    }
    write("content_block_stop", {{"type", "content_block_stop"}, {"index", m_index}}, out);
    ++m_index;
    m_open = Open::none;
  }

  void finish(const StreamEvent& event, std::string& out) {
    start(StreamEvent{}, out);
    close(out);
    // Clients run tools only when the stop reason says so (Gemini says STOP on tool turns).
    StopReason stop = event.stop == StopReason::end_turn && m_saw_tool_call ? StopReason::tool_use : event.stop;
    json delta{{"stop_reason", stop_to_wire(stop)},
               {"stop_sequence", event.stop_sequence.empty() ? json(nullptr) : json(event.stop_sequence)}};
    // Non-null input fields here overwrite message_start's in the SDK: the real counts arrive last.
    const Usage& usage = event.usage.reported ? event.usage : m_start_usage;
    write("message_delta", {{"type", "message_delta"}, {"delta", std::move(delta)}, {"usage", usage_json(usage)}}, out);
    write("message_stop", {{"type", "message_stop"}}, out);
    m_ended = true;
  }

  ResponseOptions m_options;
  bool m_started = false;
  bool m_ended = false;
  bool m_saw_tool_call = false;
  Open m_open = Open::none;
  int m_index = 0; // Anthropic index of the open block, or of the next one
  Part m_part;     // the open block: kind, id, name, issuer, signature so far
  bool m_custom_started = false;
  Usage m_start_usage;
};

} // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(const ResponseOptions& options) {
  return std::make_unique<Encoder>(options);
}

} // namespace llmgw::core::translate::anthropic
