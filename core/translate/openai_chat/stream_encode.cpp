// Neutral stream events -> a client's Chat Completions stream (PROTOCOLS.md §1.5, §5.7): data-only
// records, tool calls numbered among tool calls only, the usage chunk only when the client asked.
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/openai_chat/internal.hpp"

#include <optional>

namespace llmgw::core::translate::openai_chat {
namespace {

using nlohmann::json;
using Type = StreamEvent::Type;

class ChatStreamEncoder final : public StreamEncoder {
public:
  explicit ChatStreamEncoder(ResponseOptions options) : m_options(std::move(options)) {}

  void on(const StreamEvent& event, std::string& out) override {
    if (m_done) return;
    switch (event.type) {
    case Type::start: return start(event, out);
    case Type::block_start: return block_start(event.part, out);
    case Type::block_delta: return block_delta(event.delta, out);
    case Type::block_stop: return block_stop(out);
    case Type::finish: return finish(event, out);
    case Type::error:
      out += encode_stream_error(event.error);
      m_done = true;
      return;
    }
  }

private:
  void start(const StreamEvent& event, std::string& out) {
    if (m_started) return;
    m_started = true;
    m_id = event.id.empty() ? make_id("chatcmpl-") : event.id;
    m_model = m_options.model.empty() ? event.model : m_options.model;
    m_created = unix_now();
    write_delta({{"role", "assistant"}, {"content", ""}}, out);
  }

  void block_start(const Part& part, std::string& out) {
    if (!m_started) start({}, out);
    m_kind = part.kind;
    m_custom = part.custom;
    m_custom_input.clear();
    if (m_kind != Part::Kind::tool_call) return; // text and thinking start with their first delta
    // Clients size their arrays by this index: it counts tool calls, not blocks (§5.7).
    m_tool_index = m_tools++;
    json call{{"index", m_tool_index},
              {"id", part.id.empty() ? make_id("call_") : part.id},
              {"type", "function"},
              {"function", {{"name", part.name}, {"arguments", ""}}}};
    write_delta({{"tool_calls", json::array({call})}}, out);
  }

  void block_delta(const std::string& delta, std::string& out) {
    if (delta.empty() || !m_kind) return; // a signature-only delta: Chat has no place for it
    switch (*m_kind) {
    case Part::Kind::text: return write_delta({{"content", delta}}, out);
    // Non-standard (DeepSeek's name); strict clients ignore unknown delta members.
    case Part::Kind::thinking: return write_delta({{"reasoning_content", delta}}, out);
    case Part::Kind::tool_call:
      // A freeform input is only JSON once wrapped: sent whole when the block ends.
      if (m_custom)
        m_custom_input += delta;
      else
        write_arguments(delta, out);
      return;
    default: return;
    }
  }

  void block_stop(std::string& out) {
    if (m_kind == Part::Kind::tool_call && m_custom) {
      Part call;
      call.custom = true;
      call.text = m_custom_input;
      write_arguments(call_arguments(call), out);
    }
    m_kind.reset();
    m_custom = false;
  }

  void finish(const StreamEvent& event, std::string& out) {
    if (!m_started) start({}, out);
    write(chunk(json::object(), finish_from_stop(event.stop, m_tools > 0)), out);
    if (m_options.include_usage) {
      json usage_chunk = chunk(json::object(), nullptr);
      usage_chunk["choices"] = json::array();
      usage_chunk["usage"] = encode_usage(event.usage);
      write(usage_chunk, out);
    }
    out += "data: [DONE]\n\n";
    m_done = true;
  }

  void write_arguments(const std::string& fragment, std::string& out) {
    json call{{"index", m_tool_index}, {"function", {{"arguments", fragment}}}};
    write_delta({{"tool_calls", json::array({call})}}, out);
  }

  json chunk(json delta, json finish_reason) const {
    json choice{
        {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish_reason)}, {"logprobs", nullptr}};
    return json{{"id", m_id},
                {"object", "chat.completion.chunk"},
                {"created", m_created},
                {"model", m_model},
                {"choices", json::array({choice})}};
  }

  void write_delta(json delta, std::string& out) { write(chunk(std::move(delta), nullptr), out); }

  static void write(const json& record, std::string& out) {
    out += "data: ";
    out += dump(record);
    out += "\n\n";
  }

  ResponseOptions m_options;
  bool m_started = false;
  bool m_done = false;
  std::string m_id;
  std::string m_model;
  int64_t m_created = 0;
  std::optional<Part::Kind> m_kind; // the open block's kind
  bool m_custom = false;
  std::string m_custom_input;
  int m_tools = 0;       // tool calls started so far
  int m_tool_index = -1; // the open tool call's index among tool calls
};

} // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(const ResponseOptions& options) {
  return std::make_unique<ChatStreamEncoder>(options);
}

} // namespace llmgw::core::translate::openai_chat
