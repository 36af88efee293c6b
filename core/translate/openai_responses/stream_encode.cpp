// Neutral stream events -> a Responses API stream that Codex accepts (PROTOCOLS.md §2.4, §2.5):
// every event has an event: line and a rising sequence_number, every item ends with
// response.output_item.done (Codex builds its history only from those), and the stream ends
// with response.completed (or .incomplete / .failed) whose usage has total_tokens.
#include "core/translate/openai_responses/codec.hpp"
#include "core/translate/openai_responses/internal.hpp"

namespace llmgw::core::translate::openai_responses {
namespace {

using namespace detail;
using Type = StreamEvent::Type;

enum class ItemKind { none, message, function_call, custom_raw, custom_from_json, reasoning };

class Encoder final : public StreamEncoder {
public:
  explicit Encoder(const ResponseOptions& options)
      : m_options(options), m_id(new_id("resp_")), m_created(now_seconds()), m_model(options.model) {}

  void on(const StreamEvent& event, std::string& out) override {
    if (m_ended) return;
    if (!m_started && event.type != Type::start) start(StreamEvent{}, out);
    switch (event.type) {
    case Type::start: start(event, out); break;
    case Type::block_start: block_start(event.part, out); break;
    case Type::block_delta: block_delta(event, out); break;
    case Type::block_stop: block_stop(out); break;
    case Type::finish: finish(event, out); break;
    case Type::error: fail(event, out); break;
    }
  }

private:
  // The item being streamed (blocks arrive one at a time).
  struct Item {
    ItemKind kind = ItemKind::none;
    Part::Kind part_kind = Part::Kind::text;
    std::string id;
    std::string call_id;
    std::string name;
    std::string text; // message text, arguments, custom input or reasoning summary
    std::string signature;
    Issuer issuer = Issuer::none;
    bool summary_open = false;
  };

  void emit(const char* type, json fields, std::string& out) {
    fields["type"] = type;
    fields["sequence_number"] = m_sequence++;
    out += "event: ";
    out += type;
    out += "\ndata: ";
    out += dump(fields);
    out += "\n\n";
  }

  // Fields of an event about the open item.
  json about(json fields = json::object()) const {
    fields["item_id"] = m_item.id;
    fields["output_index"] = m_output.size();
    return fields;
  }

  json response(const char* status) const {
    return {{"id", m_id},       {"object", "response"}, {"created_at", m_created}, {"status", status},
            {"model", m_model}, {"output", m_output},   {"error", nullptr},        {"incomplete_details", nullptr},
            {"usage", nullptr}};
  }

  void start(const StreamEvent& event, std::string& out) {
    m_started = true;
    if (m_model.empty()) m_model = event.model;
    emit("response.created", {{"response", response("in_progress")}}, out);
    emit("response.in_progress", {{"response", response("in_progress")}}, out);
  }

  ItemKind kind_of(const Part& part) const {
    switch (part.kind) {
    case Part::Kind::text: return ItemKind::message;
    case Part::Kind::thinking:
    case Part::Kind::redacted_thinking: return ItemKind::reasoning;
    case Part::Kind::tool_call:
      if (part.custom) return ItemKind::custom_raw;
      return m_options.custom_tools.count(part.name) ? ItemKind::custom_from_json : ItemKind::function_call;
    default: return ItemKind::none;
    }
  }

  void block_start(const Part& part, std::string& out) {
    m_item = Item{};
    m_item.kind = kind_of(part);
    m_item.part_kind = part.kind;
    m_item.call_id = part.id.empty() ? new_id("call_") : part.id;
    m_item.name = part.name;
    m_item.issuer = part.issuer;
    m_item.signature = part.signature;
    json item;
    switch (m_item.kind) {
    case ItemKind::none: return;
    case ItemKind::message:
      m_item.id = new_id("msg_");
      item = message_item(m_item.id, "", "in_progress");
      item["content"] = json::array();
      break;
    case ItemKind::function_call:
      m_item.id = new_id("fc_");
      item = function_call_item(m_item.id, m_item.call_id, m_item.name, "", "in_progress");
      break;
    case ItemKind::custom_raw:
    case ItemKind::custom_from_json:
      m_item.id = new_id("ctc_");
      item = custom_call_item(m_item.id, m_item.call_id, m_item.name, "", "in_progress");
      break;
    case ItemKind::reasoning:
      m_item.id = part.reasoning_id.empty() ? new_id("rs_") : part.reasoning_id;
      item = reasoning_item(m_item.id, "", "");
      break;
    }
    emit("response.output_item.added", {{"output_index", m_output.size()}, {"item", item}}, out);
    if (m_item.kind == ItemKind::message)
      emit("response.content_part.added", about({{"content_index", 0}, {"part", text_part("")}}), out);
  }

  static json text_part(const std::string& text) {
    return {{"type", "output_text"}, {"text", text}, {"annotations", json::array()}};
  }
  static json summary_part(const std::string& text) { return {{"type", "summary_text"}, {"text", text}}; }

  void block_delta(const StreamEvent& event, std::string& out) {
    m_item.signature += event.signature;
    if (event.delta.empty()) return;
    m_item.text += event.delta;
    switch (m_item.kind) {
    case ItemKind::message:
      emit("response.output_text.delta",
           about({{"content_index", 0}, {"delta", event.delta}, {"logprobs", json::array()}}), out);
      break;
    case ItemKind::function_call:
      emit("response.function_call_arguments.delta", about({{"delta", event.delta}}), out);
      break;
    case ItemKind::custom_raw:
      emit("response.custom_tool_call_input.delta", about({{"delta", event.delta}}), out);
      break;
    case ItemKind::reasoning:
      if (!m_item.summary_open)
        emit("response.reasoning_summary_part.added", about({{"summary_index", 0}, {"part", summary_part("")}}), out);
      m_item.summary_open = true;
      emit("response.reasoning_summary_text.delta", about({{"summary_index", 0}, {"delta", event.delta}}), out);
      break;
    case ItemKind::custom_from_json: // JSON arguments: the input string is known only at the end
    case ItemKind::none: break;
    }
  }

  void block_stop(std::string& out) {
    json item;
    switch (m_item.kind) {
    case ItemKind::none: return;
    case ItemKind::message: item = stop_message(out); break;
    case ItemKind::function_call:
      if (m_item.text.empty()) m_item.text = "{}";
      emit("response.function_call_arguments.done", about({{"name", m_item.name}, {"arguments", m_item.text}}), out);
      item = function_call_item(m_item.id, m_item.call_id, m_item.name, m_item.text, "completed");
      break;
    case ItemKind::custom_raw:
    case ItemKind::custom_from_json: item = stop_custom(out); break;
    case ItemKind::reasoning: item = stop_reasoning(out); break;
    }
    emit("response.output_item.done", {{"output_index", m_output.size()}, {"item", item}}, out);
    m_output.push_back(std::move(item));
    m_item = Item{};
  }

  json stop_message(std::string& out) {
    const std::string& text = m_item.text;
    emit("response.output_text.done", about({{"content_index", 0}, {"text", text}, {"logprobs", json::array()}}), out);
    emit("response.content_part.done", about({{"content_index", 0}, {"part", text_part(text)}}), out);
    return message_item(m_item.id, text, "completed");
  }

  json stop_custom(std::string& out) {
    if (m_item.kind == ItemKind::custom_from_json) {
      Part call;
      call.arguments = m_item.text;
      m_item.text = custom_input(call);
      if (!m_item.text.empty()) emit("response.custom_tool_call_input.delta", about({{"delta", m_item.text}}), out);
    }
    emit("response.custom_tool_call_input.done", about({{"input", m_item.text}}), out);
    return custom_call_item(m_item.id, m_item.call_id, m_item.name, m_item.text, "completed");
  }

  json stop_reasoning(std::string& out) {
    if (m_item.summary_open) {
      emit("response.reasoning_summary_text.done", about({{"summary_index", 0}, {"text", m_item.text}}), out);
      emit("response.reasoning_summary_part.done", about({{"summary_index", 0}, {"part", summary_part(m_item.text)}}),
           out);
    }
    return reasoning_item(m_item.id, m_item.text, encrypted_content(m_item.part_kind, m_item.issuer, m_item.signature));
  }

  void finish(const StreamEvent& event, std::string& out) {
    block_stop(out); // the Sequencer closes blocks; this only guards against a missing stop
    bool incomplete = event.stop == StopReason::max_tokens;
    json final_response = response(incomplete ? "incomplete" : "completed");
    if (incomplete) final_response["incomplete_details"] = {{"reason", "max_output_tokens"}};
    final_response["usage"] = usage_json(event.usage);
    emit(incomplete ? "response.incomplete" : "response.completed", {{"response", final_response}}, out);
    m_ended = true;
  }

  void fail(const StreamEvent& event, std::string& out) {
    json failed = response("failed");
    failed["error"] = {{"code", error_code(event.error)}, {"message", event.error.message}};
    if (event.usage.reported) failed["usage"] = usage_json(event.usage);
    emit("response.failed", {{"response", failed}}, out);
    m_ended = true;
  }

  ResponseOptions m_options;
  std::string m_id;
  int64_t m_created;
  std::string m_model;
  int64_t m_sequence = 0;
  bool m_started = false;
  bool m_ended = false;
  json m_output = json::array(); // completed items, in output_index order
  Item m_item;
};

} // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(const ResponseOptions& options) {
  return std::make_unique<Encoder>(options);
}

} // namespace llmgw::core::translate::openai_responses
