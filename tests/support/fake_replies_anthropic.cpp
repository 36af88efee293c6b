// Anthropic Messages wire format for the fake provider: message, stream and error body
// (PROTOCOLS.md §3.3-3.5, §3.8).
#include "tests/support/fake_upstream.hpp"
#include "tests/support/fake_wire.hpp"

namespace llmgw::test {
namespace {

using wire::json;

// The three input-side counts as the API reports them (input excludes both cache counts).
struct InputUsage {
  int input_tokens = 0;
  int cache_read_tokens = 0;
  int cache_write_tokens = 0;
};

json usage_json(const InputUsage& in, int output_tokens) {
  return {{"input_tokens", in.input_tokens},
          {"cache_creation_input_tokens", in.cache_write_tokens},
          {"cache_read_input_tokens", in.cache_read_tokens},
          {"cache_creation", {{"ephemeral_5m_input_tokens", in.cache_write_tokens}, {"ephemeral_1h_input_tokens", 0}}},
          {"output_tokens", output_tokens},
          {"service_tier", "standard"}};
}

json message_json(const std::string& model, const json& content, const json& stop_reason, const json& usage) {
  return {{"id", wire::next_id("msg_")}, {"type", "message"},          {"role", "assistant"},      {"model", model},
          {"content", content},          {"stop_reason", stop_reason}, {"stop_sequence", nullptr}, {"usage", usage}};
}

FakeResponse anthropic_json(int status, const json& body) {
  FakeResponse reply;
  reply.status = status;
  reply.body = body.dump();
  reply.headers.emplace("request-id", wire::next_id("req_"));
  return reply;
}

// One content block: its opening block (index 0), its deltas, and the stop_reason it ends with.
struct StreamBlock {
  json start;
  std::vector<json> deltas;
  std::string stop_reason;
};

FakeResponse anthropic_sse(const std::string& model, const StreamBlock& block, const InputUsage& in,
                           int output_tokens) {
  std::vector<std::string> chunks;
  // message_start carries the input-side usage and a token or so of output (§3.5).
  const json start_message = message_json(model, json::array(), nullptr, usage_json(in, 1));
  chunks.push_back(wire::sse_event("message_start", {{"type", "message_start"}, {"message", start_message}}));
  chunks.push_back(wire::sse_event("content_block_start",
                                   {{"type", "content_block_start"}, {"index", 0}, {"content_block", block.start}}));
  chunks.push_back(wire::sse_event("ping", {{"type", "ping"}}));
  for (const auto& delta : block.deltas)
    chunks.push_back(
        wire::sse_event("content_block_delta", {{"type", "content_block_delta"}, {"index", 0}, {"delta", delta}}));
  chunks.push_back(wire::sse_event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
  // message_delta usage is cumulative: it repeats the input side and gives the final output count.
  const json delta_usage = {{"input_tokens", in.input_tokens},
                            {"cache_creation_input_tokens", in.cache_write_tokens},
                            {"cache_read_input_tokens", in.cache_read_tokens},
                            {"output_tokens", output_tokens}};
  chunks.push_back(
      wire::sse_event("message_delta", {{"type", "message_delta"},
                                        {"delta", {{"stop_reason", block.stop_reason}, {"stop_sequence", nullptr}}},
                                        {"usage", delta_usage}}));
  chunks.push_back(wire::sse_event("message_stop", {{"type", "message_stop"}}));
  FakeResponse reply;
  reply.content_type = wire::k_sse_content_type;
  reply.chunks = std::move(chunks);
  reply.headers.emplace("request-id", wire::next_id("req_"));
  return reply;
}

json parse_input(const std::string& input_json) {
  json input = json::parse(input_json, nullptr, false);
  return input.is_discarded() ? json::object() : input;
}

} // namespace

FakeResponse anthropic_reply(const std::string& model, const std::string& text, int input_tokens, int cache_read_tokens,
                             int cache_write_tokens, int output_tokens) {
  const json content = json::array({{{"type", "text"}, {"text", text}}});
  const InputUsage in{input_tokens, cache_read_tokens, cache_write_tokens};
  return anthropic_json(200, message_json(model, content, "end_turn", usage_json(in, output_tokens)));
}

FakeResponse anthropic_stream(const std::string& model, const std::vector<std::string>& text_pieces, int input_tokens,
                              int cache_read_tokens, int cache_write_tokens, int output_tokens) {
  StreamBlock block{{{"type", "text"}, {"text", ""}}, {}, "end_turn"};
  for (const auto& piece : text_pieces) block.deltas.push_back({{"type", "text_delta"}, {"text", piece}});
  return anthropic_sse(model, block, {input_tokens, cache_read_tokens, cache_write_tokens}, output_tokens);
}

FakeResponse anthropic_tool_use_reply(const std::string& model, const std::string& name, const std::string& input_json,
                                      int input_tokens, int cache_read_tokens, int cache_write_tokens,
                                      int output_tokens) {
  const json block = {
      {"type", "tool_use"}, {"id", wire::next_id("toolu_")}, {"name", name}, {"input", parse_input(input_json)}};
  const InputUsage in{input_tokens, cache_read_tokens, cache_write_tokens};
  return anthropic_json(200, message_json(model, json::array({block}), "tool_use", usage_json(in, output_tokens)));
}

FakeResponse anthropic_tool_use_stream(const std::string& model, const std::string& name, const std::string& input_json,
                                       int input_tokens, int cache_read_tokens, int cache_write_tokens,
                                       int output_tokens) {
  StreamBlock block{{{"type", "tool_use"}, {"id", wire::next_id("toolu_")}, {"name", name}, {"input", json::object()}},
                    {},
                    "tool_use"};
  // Like the API: an empty first partial_json, then the input split in two pieces.
  const std::string input = parse_input(input_json).dump(-1, ' ', true); // ASCII: safe to split anywhere
  const size_t half = input.size() / 2;
  for (const auto& piece : {std::string(), input.substr(0, half), input.substr(half)})
    block.deltas.push_back({{"type", "input_json_delta"}, {"partial_json", piece}});
  return anthropic_sse(model, block, {input_tokens, cache_read_tokens, cache_write_tokens}, output_tokens);
}

FakeResponse anthropic_error(int status, const std::string& type, const std::string& message) {
  const std::string request_id = wire::next_id("req_");
  FakeResponse reply = anthropic_json(
      status, {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}, {"request_id", request_id}});
  reply.headers.erase("request-id");
  reply.headers.emplace("request-id", request_id);
  return reply;
}

} // namespace llmgw::test
