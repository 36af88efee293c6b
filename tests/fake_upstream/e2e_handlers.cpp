// The e2e replies: pick the agent's shell tool, call it once, then answer "E2E-OK".
#include "tests/fake_upstream/e2e_handlers.hpp"

#include <nlohmann/json.hpp>

namespace llmgw::test {
namespace {

using nlohmann::json;

const std::vector<std::string>& e2e_pieces() {
  static const std::vector<std::string> pieces{"E2E", "-OK"};
  return pieces;
}

std::string model_of(const json& body) {
  const auto it = body.find("model");
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string("fake-model");
}

bool is_true(const json& body, const char* pointer) {
  const json::json_pointer ptr(pointer);
  return body.contains(ptr) && body.at(ptr).is_boolean() && body.at(ptr).get<bool>();
}

// Elements of body[key] when it is an array, else an empty array.
json array_at(const json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && it->is_array() ? *it : json::array();
}

// True when a user turn already carries a tool_result block.
bool has_tool_result(const json& body) {
  for (const auto& message : array_at(body, "messages"))
    for (const auto& block : array_at(message, "content"))
      if (block.is_object() && block.value("type", "") == "tool_result") return true;
  return false;
}

// "Bash" when offered, else the first tool's name, else empty.
std::string pick_anthropic_tool(const json& body) {
  std::string first;
  for (const auto& tool : array_at(body, "tools")) {
    const std::string name = tool.is_object() ? tool.value("name", "") : "";
    if (name == "Bash") return name;
    if (first.empty()) first = name;
  }
  return first;
}

FakeResponse anthropic_e2e(const RecordedRequest& request, bool tool_call) {
  const json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return anthropic_error(400, "invalid_request_error", "messages: body is not valid JSON");
  const std::string model = model_of(body);
  const bool stream = is_true(body, "/stream");
  const std::string tool = tool_call && !has_tool_result(body) ? pick_anthropic_tool(body) : "";
  const int in = k_e2e_anthropic_input_tokens, read = k_e2e_anthropic_cache_read_tokens,
            write = k_e2e_anthropic_cache_write_tokens, out = k_e2e_anthropic_output_tokens;
  if (!tool.empty()) {
    const std::string input = json{{"command", k_e2e_command}}.dump();
    return stream ? anthropic_tool_use_stream(model, tool, input, in, read, write, out)
                  : anthropic_tool_use_reply(model, tool, input, in, read, write, out);
  }
  return stream ? anthropic_stream(model, e2e_pieces(), in, read, write, out)
                : anthropic_reply(model, k_e2e_text, in, read, write, out);
}

bool has_function_output(const json& body) {
  for (const auto& item : array_at(body, "input")) {
    const std::string type = item.is_object() ? item.value("type", "") : "";
    if (type == "function_call_output" || type == "custom_tool_call_output") return true;
  }
  return false;
}

// The shell-like function tool (exec_command, shell) if offered, else the first function tool.
json pick_function_tool(const json& body) {
  json first;
  for (const auto& tool : array_at(body, "tools")) {
    if (!tool.is_object() || tool.value("type", "") != "function") continue;
    const std::string name = tool.value("name", "");
    if (name == "exec_command" || name == "shell") return tool;
    if (first.is_null()) first = tool;
  }
  return first;
}

// Arguments matching the tool's schema: {"cmd": "..."} or {"command": [...]} or {"command": "..."}.
std::string shell_arguments(const json& tool) {
  const json::json_pointer properties("/parameters/properties");
  const json props = tool.contains(properties) ? tool.at(properties) : json::object();
  if (props.contains("cmd")) return json{{"cmd", k_e2e_command}}.dump();
  const auto command = props.find("command");
  if (command != props.end() && command->is_object() && command->value("type", "") == "array")
    return json{{"command", {"echo", "llmgw-e2e"}}}.dump();
  return json{{"command", k_e2e_command}}.dump();
}

FakeResponse responses_e2e(const RecordedRequest& request, bool tool_call) {
  const json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return openai_error(400, "invalid_request_error", "We could not parse the JSON body of your request.", "");
  const std::string model = model_of(body);
  const bool stream = is_true(body, "/stream");
  const json tool = tool_call && !has_function_output(body) ? pick_function_tool(body) : json();
  const int in = k_e2e_openai_prompt_tokens, cached = k_e2e_openai_cached_tokens, out = k_e2e_openai_completion_tokens;
  if (tool.is_object()) {
    const std::string name = tool.value("name", ""), arguments = shell_arguments(tool);
    return stream ? openai_responses_function_call_stream(model, name, arguments, in, cached, out)
                  : openai_responses_function_call_reply(model, name, arguments, in, cached, out);
  }
  return stream ? openai_responses_stream(model, e2e_pieces(), in, cached, out)
                : openai_responses_reply(model, k_e2e_text, in, cached, out);
}

FakeResponse chat_e2e(const RecordedRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return openai_error(400, "invalid_request_error", "We could not parse the JSON body of your request.", "");
  const int in = k_e2e_openai_prompt_tokens, cached = k_e2e_openai_cached_tokens, out = k_e2e_openai_completion_tokens;
  if (!is_true(body, "/stream")) return openai_chat_reply(model_of(body), k_e2e_text, in, cached, out);
  return openai_chat_stream(model_of(body), e2e_pieces(), is_true(body, "/stream_options/include_usage"), in, cached, out);
}

}  // namespace

void install_e2e_handlers(FakeUpstream& upstream, bool tool_call) {
  upstream.on("POST", "/v1/chat/completions", chat_e2e);
  upstream.on("POST", "/v1/responses", [tool_call](const RecordedRequest& r) { return responses_e2e(r, tool_call); });
  upstream.on("POST", "/v1/messages", [tool_call](const RecordedRequest& r) { return anthropic_e2e(r, tool_call); });
}

}  // namespace llmgw::test
