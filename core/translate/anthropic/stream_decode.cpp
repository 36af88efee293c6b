// Anthropic Messages stream (an Anthropic upstream) -> neutral stream events (PROTOCOLS.md §3.5).
// Block numbers are Anthropic's content-block indexes.
#include "core/protocol/error_types.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/anthropic/internal.hpp"
#include "core/translate/anthropic/codec.hpp"

#include <map>

namespace llmgw::core::translate::anthropic {
namespace {

using namespace detail;

class Decoder final : public StreamDecoder {
public:
  void on_event(const http::SseEvent& event, std::vector<StreamEvent>& out) override {
    if (m_done || !event.has_data) return;
    const json data = protocol::parse_json(event.data);
    if (!data.is_object()) return;
    // The SDK dispatches on the event name; providers that omit it still say the type.
    const std::string name = event.event.empty() ? string_member(data, "type") : std::string(event.event);
    if (name == "message_start")
      on_message_start(member(data, "message"), out);
    else if (name == "content_block_start")
      on_block_start(data, out);
    else if (name == "content_block_delta")
      on_block_delta(data, out);
    else if (name == "content_block_stop")
      on_block_stop(data, out);
    else if (name == "message_delta")
      on_message_delta(data);
    else if (name == "message_stop")
      finish(out);
    else if (name == "error")
      on_error(member(data, "error"), out);
    // ping and unknown events carry nothing
  }

  // message_delta already said why the message stopped: only message_stop went missing.
  void on_end(std::vector<StreamEvent>& out) override {
    if (!m_done && m_saw_stop_reason) finish(out);
  }

private:
  static StreamEvent event_of(StreamEvent::Type type, int block) {
    StreamEvent event;
    event.type = type;
    event.block = block;
    return event;
  }

  static void emit_delta(int block, std::string delta, std::string signature, std::vector<StreamEvent>& out) {
    if (delta.empty() && signature.empty()) return;
    StreamEvent event = event_of(StreamEvent::Type::block_delta, block);
    event.delta = std::move(delta);
    event.signature = std::move(signature);
    out.push_back(std::move(event));
  }

  void on_message_start(const json& message, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = StreamEvent::Type::start;
    event.id = string_member(message, "id");
    event.model = string_member(message, "model");
    protocol::overlay_anthropic_usage(m_usage, member(message, "usage"));
    event.usage = m_usage;
    out.push_back(std::move(event));
  }

  void on_block_start(const json& data, std::vector<StreamEvent>& out) {
    const json& block = member(data, "content_block");
    const std::string type = string_member(block, "type");
    const int index = member(data, "index").is_number_integer() ? data["index"].get<int>() : 0;
    StreamEvent event = event_of(StreamEvent::Type::block_start, index);
    Part& part = event.part;
    if (type == "text")
      part.kind = Part::Kind::text;
    else if (type == "thinking")
      part.kind = Part::Kind::thinking;
    else if (type == "redacted_thinking")
      part.kind = Part::Kind::redacted_thinking;
    else if (type == "tool_use")
      part.kind = Part::Kind::tool_call;
    else
      return; // server_tool_use, web_search_tool_result...: Anthropic-side artefacts
    if (part.kind == Part::Kind::thinking || part.kind == Part::Kind::redacted_thinking)
      part.issuer = Issuer::anthropic;
    part.id = string_member(block, "id");
    part.name = string_member(block, "name");
    m_blocks[index] = part.kind;
    out.push_back(std::move(event));
    emit_initial_content(index, part.kind, block, out);
  }

  // What a content_block_start already holds: normally nothing, but redacted_thinking arrives
  // whole here, and a provider may send a tool's whole input at once.
  static void emit_initial_content(int index, Part::Kind kind, const json& block, std::vector<StreamEvent>& out) {
    switch (kind) {
    case Part::Kind::text: return emit_delta(index, string_member(block, "text"), {}, out);
    case Part::Kind::thinking:
      return emit_delta(index, string_member(block, "thinking"), string_member(block, "signature"), out);
    case Part::Kind::redacted_thinking: return emit_delta(index, {}, string_member(block, "data"), out);
    case Part::Kind::tool_call: {
      const json& input = member(block, "input");
      if (input.is_object() && !input.empty()) emit_delta(index, dump(input), {}, out);
      return;
    }
    default: return;
    }
  }

  void on_block_delta(const json& data, std::vector<StreamEvent>& out) {
    const int index = member(data, "index").is_number_integer() ? data["index"].get<int>() : 0;
    if (!m_blocks.count(index)) return;
    const json& delta = member(data, "delta");
    const std::string type = string_member(delta, "type");
    if (type == "text_delta")
      emit_delta(index, string_member(delta, "text"), {}, out);
    else if (type == "thinking_delta")
      emit_delta(index, string_member(delta, "thinking"), {}, out);
    else if (type == "signature_delta")
      emit_delta(index, {}, string_member(delta, "signature"), out);
    else if (type == "input_json_delta")
      emit_delta(index, string_member(delta, "partial_json"), {}, out);
    // citations_delta: no neutral form
  }

  void on_block_stop(const json& data, std::vector<StreamEvent>& out) {
    const int index = member(data, "index").is_number_integer() ? data["index"].get<int>() : 0;
    if (m_blocks.erase(index)) out.push_back(event_of(StreamEvent::Type::block_stop, index));
  }

  // Counts in message_delta.usage are cumulative: overlay, never add (§3.5).
  void on_message_delta(const json& data) {
    const json& delta = member(data, "delta");
    if (member(delta, "stop_reason").is_string()) {
      m_stop = stop_from_wire(delta["stop_reason"].get<std::string>());
      m_saw_stop_reason = true;
    }
    m_stop_sequence = string_member(delta, "stop_sequence");
    protocol::overlay_anthropic_usage(m_usage, member(data, "usage"));
  }

  void finish(std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = StreamEvent::Type::finish;
    event.stop = m_stop;
    event.stop_sequence = m_stop_sequence;
    event.usage = m_usage;
    out.push_back(std::move(event));
    m_done = true;
  }

  void on_error(const json& error, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = StreamEvent::Type::error;
    event.error.type = string_member(error, "type");
    event.error.message = string_member(error, "message");
    event.error.status = protocol::anthropic_error_types().status_for_type(event.error.type, 500);
    out.push_back(std::move(event));
    m_done = true;
  }

  std::map<int, Part::Kind> m_blocks; // open blocks this decoder reported
  Usage m_usage;
  StopReason m_stop = StopReason::end_turn;
  std::string m_stop_sequence;
  bool m_saw_stop_reason = false;
  bool m_done = false; // finish or error emitted
};

} // namespace

std::unique_ptr<StreamDecoder> make_stream_decoder() { return std::make_unique<Decoder>(); }

} // namespace llmgw::core::translate::anthropic
