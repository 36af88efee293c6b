// Responses API stream (PROTOCOLS.md §2.4) -> neutral stream events. Blocks follow output items:
// one per function/custom tool call and reasoning item, one per (message item, content part).
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/openai_responses/codec.hpp"
#include "core/translate/openai_responses/internal.hpp"

#include <map>

namespace llmgw::core::translate::openai_responses {
namespace {

using namespace detail;
using Type = StreamEvent::Type;

class Decoder final : public StreamDecoder {
public:
  void on_event(const http::SseEvent& event, std::vector<StreamEvent>& out) override {
    if (m_ended || !event.has_data) return;
    auto data = protocol::parse_json(event.data);
    if (!data.is_object()) return; // a stray "[DONE]" from a compatible server, or garbage
    std::string type = string_member(data, "type");
    if (type.empty()) type = std::string(event.event);
    dispatch(type, data, out);
  }

  // The Responses stream ends with a terminal event; without one it was cut short.
  void on_end(std::vector<StreamEvent>&) override {}

private:
  struct Item {
    std::string type;
    int block = -1;               // the call's or reasoning's block
    std::map<int64_t, int> texts; // message: content index -> text block
    bool got_delta = false;
    std::string last_part; // reasoning: the summary/content part of the last delta
  };

  void dispatch(const std::string& type, const json& data, std::vector<StreamEvent>& out) {
    if (type == "response.created" || type == "response.in_progress" || type == "response.queued") {
      ensure_start(member(data, "response"), out);
    } else if (type == "response.output_item.added") {
      ensure_start(json(), out);
      item_added(data, out);
    } else if (type == "response.output_text.delta" || type == "response.refusal.delta") {
      text_delta(data, out);
    } else if (type == "response.function_call_arguments.delta" || type == "response.custom_tool_call_input.delta") {
      call_delta(data, out);
    } else if (type == "response.reasoning_summary_text.delta") {
      reasoning_delta(data, "s" + member(data, "summary_index").dump(), out);
    } else if (type == "response.reasoning_text.delta") {
      reasoning_delta(data, "r" + member(data, "content_index").dump(), out);
    } else if (type == "response.output_item.done") {
      item_done(data, out);
    } else if (type == "response.completed" || type == "response.incomplete") {
      finish(member(data, "response"), type == "response.incomplete", out);
    } else if (type == "response.failed") {
      fail(member(member(data, "response"), "error"), member(member(data, "response"), "usage"), out);
    } else if (type == "error") {
      const json& nested = member(data, "error");
      fail(nested.is_object() ? nested : data, json(), out);
    }
  }

  void ensure_start(const json& response, std::vector<StreamEvent>& out) {
    if (m_started) return;
    m_started = true;
    StreamEvent start;
    start.type = Type::start;
    start.id = string_member(response, "id");
    start.model = string_member(response, "model");
    out.push_back(std::move(start));
  }

  int open_block(Part part, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = Type::block_start;
    event.block = m_next_block++;
    m_saw_tool_call |= part.kind == Part::Kind::tool_call;
    event.part = std::move(part);
    out.push_back(std::move(event));
    return m_next_block - 1;
  }

  static void delta(int block, std::string text, std::string signature, std::vector<StreamEvent>& out) {
    if (text.empty() && signature.empty()) return;
    StreamEvent event;
    event.type = Type::block_delta;
    event.block = block;
    event.delta = std::move(text);
    event.signature = std::move(signature);
    out.push_back(std::move(event));
  }

  static void stop(int block, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = Type::block_stop;
    event.block = block;
    out.push_back(std::move(event));
  }

  // The item an event is about: by output_index, else by item_id.
  Item* find_item(const json& data) {
    int64_t index = -1;
    if (const json& v = member(data, "output_index"); v.is_number_integer())
      index = v.get<int64_t>();
    else if (auto it = m_index_of.find(string_member(data, "item_id")); it != m_index_of.end())
      index = it->second;
    auto it = m_items.find(index);
    return it == m_items.end() ? nullptr : &it->second;
  }

  // Opens the block of a call or reasoning item (message blocks open with their text).
  void open_item(const json& item, Item& state, std::vector<StreamEvent>& out) {
    if (state.type == "function_call" || state.type == "custom_tool_call") {
      Part part;
      part.kind = Part::Kind::tool_call;
      part.id = string_member(item, "call_id");
      part.name = string_member(item, "name");
      part.custom = state.type == "custom_tool_call";
      state.block = open_block(std::move(part), out);
    } else if (state.type == "reasoning") {
      Part part;
      part.kind = Part::Kind::thinking;
      part.issuer = Issuer::openai;
      part.reasoning_id = string_member(item, "id");
      state.block = open_block(std::move(part), out);
    }
  }

  Item& add_item(const json& data, std::vector<StreamEvent>& out) {
    const json& item = member(data, "item");
    int64_t index = member(data, "output_index").is_number_integer() ? data["output_index"].get<int64_t>()
                                                                     : static_cast<int64_t>(m_items.size());
    Item& state = m_items[index];
    state.type = string_member(item, "type");
    m_index_of[string_member(item, "id")] = index;
    open_item(item, state, out);
    return state;
  }

  void item_added(const json& data, std::vector<StreamEvent>& out) {
    if (find_item(data) == nullptr) add_item(data, out);
  }

  void text_delta(const json& data, std::vector<StreamEvent>& out) {
    Item* item = find_item(data);
    if (item == nullptr) return;
    int64_t part = member(data, "content_index").is_number_integer() ? data["content_index"].get<int64_t>() : 0;
    auto it = item->texts.find(part);
    if (it == item->texts.end()) it = item->texts.emplace(part, open_block(Part{}, out)).first;
    item->got_delta = true;
    delta(it->second, string_member(data, "delta"), {}, out);
  }

  void call_delta(const json& data, std::vector<StreamEvent>& out) {
    Item* item = find_item(data);
    if (item == nullptr || item->block < 0) return;
    item->got_delta = true;
    delta(item->block, string_member(data, "delta"), {}, out);
  }

  // Summary parts (and raw reasoning parts) of one item become one thinking text, blank-line separated.
  void reasoning_delta(const json& data, const std::string& part, std::vector<StreamEvent>& out) {
    Item* item = find_item(data);
    if (item == nullptr || item->block < 0) return;
    std::string text = string_member(data, "delta");
    if (text.empty()) return;
    if (item->got_delta && part != item->last_part) text.insert(0, "\n\n");
    item->got_delta = true;
    item->last_part = part;
    delta(item->block, std::move(text), {}, out);
  }

  void item_done(const json& data, std::vector<StreamEvent>& out) {
    ensure_start(json(), out);
    Item* state = find_item(data);
    if (state == nullptr) state = &add_item(data, out);
    const json& item = member(data, "item");
    if (state->type == "message") {
      // Servers that send the text only in the done item still get it through.
      if (!state->got_delta) {
        int64_t index = 0;
        for (auto& part : parts_from_output_item(item)) {
          int block = state->texts[index++] = open_block(Part{}, out);
          delta(block, part.text, {}, out);
        }
      }
      for (auto& [index, block] : state->texts) stop(block, out);
      state->texts.clear();
    } else if (state->block >= 0) {
      auto parts = parts_from_output_item(item);
      if (!state->got_delta && !parts.empty()) {
        const Part& part = parts.front();
        delta(state->block, part.kind == Part::Kind::tool_call && !part.custom ? part.arguments : part.text, {}, out);
      }
      if (state->type == "reasoning") delta(state->block, {}, string_member(item, "encrypted_content"), out);
      stop(state->block, out);
      state->block = -1;
    }
    state->got_delta = true;
  }

  // A server that sends only the final response still has its output reported.
  void replay_output(const json& output, std::vector<StreamEvent>& out) {
    if (m_next_block > 0 || !output.is_array()) return;
    for (const auto& item : output) {
      for (auto& part : parts_from_output_item(item)) {
        Part start = part;
        start.text.clear();
        start.signature.clear();
        start.arguments = "{}";
        int block = open_block(std::move(start), out);
        bool arguments = part.kind == Part::Kind::tool_call && !part.custom;
        delta(block, arguments ? part.arguments : part.text, part.signature, out);
        stop(block, out);
      }
    }
  }

  void finish(const json& response, bool incomplete, std::vector<StreamEvent>& out) {
    ensure_start(response, out);
    replay_output(member(response, "output"), out);
    StreamEvent event;
    event.type = Type::finish;
    event.stop = m_saw_tool_call ? StopReason::tool_use : StopReason::end_turn;
    if (incomplete) {
      std::string reason = string_member(member(response, "incomplete_details"), "reason");
      event.stop = reason == "content_filter" ? StopReason::refusal : StopReason::max_tokens;
    }
    if (const json& usage = member(response, "usage"); usage.is_object())
      event.usage = protocol::usage_from_openai(usage);
    out.push_back(std::move(event));
    m_ended = true;
  }

  void fail(const json& error, const json& usage, std::vector<StreamEvent>& out) {
    ensure_start(json(), out);
    StreamEvent event;
    event.type = Type::error;
    event.error.code = string_member(error, "code");
    event.error.type = string_member(error, "type");
    event.error.message = string_member(error, "message");
    if (event.error.message.empty()) event.error.message = "response failed";
    event.error.status = status_for_code(event.error.code.empty() ? event.error.type : event.error.code);
    if (usage.is_object()) event.usage = protocol::usage_from_openai(usage);
    out.push_back(std::move(event));
    m_ended = true;
  }

  std::map<int64_t, Item> m_items;           // by output_index
  std::map<std::string, int64_t> m_index_of; // item id -> output_index
  int m_next_block = 0;
  bool m_started = false;
  bool m_ended = false;
  bool m_saw_tool_call = false;
};

} // namespace

std::unique_ptr<StreamDecoder> make_stream_decoder() { return std::make_unique<Decoder>(); }

} // namespace llmgw::core::translate::openai_responses
