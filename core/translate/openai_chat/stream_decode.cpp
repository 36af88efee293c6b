// Upstream Chat Completions stream -> neutral stream events (PROTOCOLS.md §1.5, §5.6), including
// the deviations of compat servers: reasoning in delta.reasoning_content / reasoning / thinking,
// tool-call fragments without index (Gemini), usage on any chunk, no [DONE] (Ollama, llama.cpp).
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/error_kinds.hpp"
#include "core/translate/openai_chat/internal.hpp"
#include "core/translate/reasoning_state.hpp"

#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"

#include <optional>

namespace llmgw::core::translate::openai_chat {
namespace {

using nlohmann::json;
using Type = StreamEvent::Type;

std::string_view trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

// An in-band error has no HTTP status of its own; guess it from what the error says so clients
// classify it (retry on 429/5xx, compact on context overflow).
int stream_error_status(const Error& error, const json& code) {
  if (code.is_number_integer() && code.get<int64_t>() >= 400 && code.get<int64_t>() < 600) return code.get<int>();
  if (is_context_overflow(error)) return 400;
  for (const std::string* text : {&error.code, &error.type}) {
    if (text->find("rate_limit") != std::string::npos || *text == "requests" || *text == "tokens" ||
        *text == "insufficient_quota")
      return 429;
    if (*text == "invalid_request_error") return 400;
    if (text->find("overloaded") != std::string::npos) return 503;
  }
  return 500;
}

class ChatStreamDecoder final : public StreamDecoder {
public:
  void on_event(const http::SseEvent& event, std::vector<StreamEvent>& out) override {
    if (m_done || !event.has_data) return;
    auto data = trim(event.data);
    if (data == "[DONE]") return finish(out);
    auto chunk = protocol::parse_json(data);
    if (chunk.is_discarded() || !chunk.is_object()) return; // nothing usable in it
    if (!member(chunk, "error").is_null() || event.event == "error") return fail(chunk, out);
    const json& choices = member(chunk, "choices");
    // Azure's first chunk holds only prompt_filter_results, with empty id and model.
    bool empty = string_member(chunk, "id").empty() && (!choices.is_array() || choices.empty());
    if (!m_started && empty && !member(chunk, "usage").is_object()) return;
    if (!m_started) start(chunk, out);
    // Keep the last usage seen: some servers repeat it (cumulative) or send it with finish_reason.
    const json& usage = member(chunk, "usage").is_object() ? chunk["usage"] : member(member(chunk, "x_groq"), "usage");
    if (usage.is_object()) m_usage = protocol::usage_from_openai(usage);
    for (const auto& choice : elements(choices)) {
      const json& index = member(choice, "index");
      if (index.is_null() || index == 0) on_choice(choice, out);
    }
  }

  // Without [DONE] the stream still finished if a finish_reason came (Ollama, llama.cpp).
  void on_end(std::vector<StreamEvent>& out) override {
    if (!m_done && m_finish_reason) finish(out);
  }

private:
  struct Call {
    int64_t wire_index = 0; // the fragment index upstream gave (or inferred)
    std::string id;
    int block = -1;
    bool custom = false;
  };

  void start(const json& chunk, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = Type::start;
    event.id = string_member(chunk, "id");
    event.model = string_member(chunk, "model");
    out.push_back(std::move(event));
    m_started = true;
  }

  void on_choice(const json& choice, std::vector<StreamEvent>& out) {
    const json& delta = member(choice, "delta");
    add_text(m_thinking, Part::Kind::thinking, reasoning_text(delta), out);
    add_text(m_text, Part::Kind::text, content_text(member(delta, "content")), out);
    add_text(m_text, Part::Kind::text, string_member(delta, "refusal"), out);
    const json& calls = member(delta, "tool_calls");
    for (const auto& fragment : elements(calls)) on_tool_fragment(fragment, out);
    if (auto finish = string_member(choice, "finish_reason"); !finish.empty()) m_finish_reason = finish;
  }

  // Text or thinking: one block per run; a change of kind (or tool calls in between) starts a
  // new block and closes what came before.
  void add_text(int& block, Part::Kind kind, const std::string& text, std::vector<StreamEvent>& out) {
    if (text.empty()) return; // "content": "" or null next to other members
    if (block < 0) {
      stop_block(kind == Part::Kind::text ? m_thinking : m_text, out);
      close_calls(out);
      Part part;
      part.kind = kind;
      block = open_block(std::move(part), out);
    }
    push_delta(block, text, {}, out);
  }

  void on_tool_fragment(const json& fragment, std::vector<StreamEvent>& out) {
    Call* call = find_call(fragment);
    if (call == nullptr) call = open_call(fragment, out);
    if (call->block < 0) return; // a late fragment of a call already closed by text
    // Only a call's first fragment says its type; custom calls stream custom.input.
    const json& arguments =
        call->custom ? member(member(fragment, "custom"), "input") : member(member(fragment, "function"), "arguments");
    // Some servers send the arguments as an object rather than its JSON text.
    std::string piece = arguments.is_string() ? arguments.get<std::string>() : "";
    if (arguments.is_object()) piece = dump(arguments);
    std::string signature = gemini_call_signature(fragment);
    if (!signature.empty()) remember_tool_signature(call->id, signature);
    if (!piece.empty() || !signature.empty()) push_delta(call->block, piece, signature, out);
  }

  // The call a fragment continues, or nullptr for a new call. `index` names the call; without it
  // (Gemini's compat endpoint) a new id or a name starts a call, anything else continues the last.
  Call* find_call(const json& fragment) {
    const json& index = member(fragment, "index");
    auto id = string_member(fragment, "id");
    for (auto it = m_calls.rbegin(); it != m_calls.rend(); ++it) {
      if (index.is_number_integer()) {
        // The same index with another id is a new call (servers that number every call 0).
        if (it->wire_index == index.get<int64_t>()) return id.empty() || id == it->id ? &*it : nullptr;
      } else if (!id.empty()) {
        if (it->id == id) return &*it;
      } else {
        return string_member(member(fragment, "function"), "name").empty() ? &*it : nullptr;
      }
    }
    return nullptr;
  }

  Call* open_call(const json& fragment, std::vector<StreamEvent>& out) {
    stop_block(m_text, out);
    stop_block(m_thinking, out);
    const json& index = member(fragment, "index");
    Call call;
    call.wire_index = index.is_number_integer() ? index.get<int64_t>() : static_cast<int64_t>(m_calls.size());
    call.id = string_member(fragment, "id");
    if (call.id.empty()) call.id = make_id("call_");
    Part part;
    part.kind = Part::Kind::tool_call;
    part.id = call.id;
    part.custom = call.custom = string_member(fragment, "type") == "custom";
    part.name = string_member(member(fragment, part.custom ? "custom" : "function"), "name");
    if (!gemini_call_signature(fragment).empty()) part.issuer = Issuer::gemini;
    call.block = open_block(std::move(part), out);
    m_calls.push_back(std::move(call));
    return &m_calls.back();
  }

  int open_block(Part part, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = Type::block_start;
    event.block = m_next_block++;
    event.part = std::move(part);
    out.push_back(std::move(event));
    return out.back().block;
  }

  void push_delta(int block, const std::string& delta, const std::string& signature, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = Type::block_delta;
    event.block = block;
    event.delta = delta;
    event.signature = signature;
    out.push_back(std::move(event));
  }

  void stop_block(int& block, std::vector<StreamEvent>& out) {
    if (block < 0) return;
    StreamEvent event;
    event.type = Type::block_stop;
    event.block = block;
    out.push_back(std::move(event));
    block = -1;
  }

  // Calls may interleave, so they stay open until text follows them or the stream ends.
  void close_calls(std::vector<StreamEvent>& out) {
    for (auto& call : m_calls) stop_block(call.block, out);
  }

  void finish(std::vector<StreamEvent>& out) {
    if (!m_started) start(json::object(), out);
    stop_block(m_thinking, out);
    stop_block(m_text, out);
    close_calls(out);
    StreamEvent event;
    event.type = Type::finish;
    event.stop = stop_from_finish(m_finish_reason.value_or(""), !m_calls.empty());
    event.usage = m_usage;
    out.push_back(std::move(event));
    m_done = true;
  }

  // The error ends the stream; blocks left open are closed by the Sequencer.
  void fail(const json& chunk, std::vector<StreamEvent>& out) {
    StreamEvent event;
    event.type = Type::error;
    event.error = decode_error_json(500, chunk);
    event.error.status = stream_error_status(event.error, member(member(chunk, "error"), "code"));
    out.push_back(std::move(event));
    m_done = true;
  }

  bool m_started = false;
  bool m_done = false;
  int m_next_block = 0;
  int m_text = -1;     // the open text block, -1 when none
  int m_thinking = -1; // the open thinking block
  std::vector<Call> m_calls;
  std::optional<std::string> m_finish_reason;
  Usage m_usage;
};

} // namespace

std::unique_ptr<StreamDecoder> make_stream_decoder() { return std::make_unique<ChatStreamDecoder>(); }

} // namespace llmgw::core::translate::openai_chat
