// The e2e replies: pick the agent's shell tool, call it once, then answer "E2E-OK". Requests a
// real provider would refuse (a translation that broke the format) get that provider's 400.
#include "tests/fake_upstream/e2e_handlers.hpp"
#include "tests/fake_upstream/e2e_internal.hpp"
#include "tests/fake_upstream/e2e_replies.hpp"

#include <cctype>
#include <optional>
#include <set>

namespace llmgw::test {
namespace e2e {

const std::vector<std::string>& text_pieces() {
  static const std::vector<std::string> pieces{"E2E", "-OK"};
  return pieces;
}

json array_at(const json& body, const char* key) {
  if (!body.is_object()) return json::array();
  const auto it = body.find(key);
  return it != body.end() && it->is_array() ? *it : json::array();
}

bool is_true(const json& body, const char* pointer) {
  const json::json_pointer ptr(pointer);
  return body.contains(ptr) && body.at(ptr).is_boolean() && body.at(ptr).get<bool>();
}

std::string model_of(const json& body) {
  const auto it = body.find("model");
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string("fake-model");
}

bool is_shell_tool(const std::string& name) { return name == "Bash" || name == "exec_command" || name == "shell"; }

namespace {

// A schema "type" as lowercase text ("ARRAY" in Gemini's OpenAPI schemas is "array").
std::string type_of(const json& schema) {
  std::string type = schema.is_object() && schema.contains("type") && schema["type"].is_string()
                         ? schema["type"].get<std::string>()
                         : std::string();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

} // namespace

std::string shell_arguments(const json& parameters) {
  const json props = parameters.is_object() && parameters.contains("properties") && parameters["properties"].is_object()
                         ? parameters["properties"]
                         : json::object();
  if (props.contains("cmd")) return json{{"cmd", k_e2e_command}}.dump();
  if (props.contains("command") && type_of(props["command"]) == "array")
    return json{{"command", {"echo", "llmgw-e2e"}}}.dump();
  return json{{"command", k_e2e_command}}.dump();
}

} // namespace e2e

namespace {

// [A-Za-z0-9 plus extra]{1,64}; with letter_first the first character is a letter or '_'.
bool valid_tool_name(const std::string& name, const char* extra, bool letter_first) {
  if (name.empty() || name.size() > 64) return false;
  if (letter_first && !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::strchr(extra, c) == nullptr) return false;
  return true;
}

using e2e::array_at;
using e2e::is_true;
using e2e::json;
using e2e::model_of;

json parse(const RecordedRequest& request) { return json::parse(request.body, nullptr, false); }

std::string string_at(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

// The checks of the real API that a translated request can fail: known fields only, max_tokens, every
// tool_result answers a tool_use of the assistant turn before it, and every tool_use is answered
// in the next turn (docs.anthropic.com, tool use; the messages below are the API's own).
// Without betas (which enable more), the API refuses fields it does not know.
std::optional<FakeResponse> anthropic_problem(const RecordedRequest& request, const json& body) {
  static const std::set<std::string> k_fields{"model",
                                              "messages",
                                              "max_tokens",
                                              "system",
                                              "metadata",
                                              "stop_sequences",
                                              "stream",
                                              "temperature",
                                              "top_p",
                                              "top_k",
                                              "tools",
                                              "tool_choice",
                                              "thinking",
                                              "service_tier",
                                              "container",
                                              "mcp_servers",
                                              "context_management",
                                              "output_config",
                                              "inference_geo"};
  if (request.headers.find("anthropic-beta") == request.headers.end())
    for (const auto& [name, value] : body.items())
      if (!k_fields.count(name))
        return anthropic_error(400, "invalid_request_error", name + ": Extra inputs are not permitted");
  if (!body.contains("max_tokens")) return anthropic_error(400, "invalid_request_error", "max_tokens: Field required");
  if (!body.contains("messages") || !body["messages"].is_array())
    return anthropic_error(400, "invalid_request_error", "messages: Field required");
  const json messages = body["messages"];
  std::set<std::string> open_calls; // tool_use ids of the last assistant turn, not yet answered
  size_t open_at = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string role = string_at(messages[i], "role");
    if (role == "system") continue; // Claude Code's per-turn system messages sit between turns
    const json content = array_at(messages[i], "content");
    if (role == "assistant") {
      if (!open_calls.empty()) break;
      for (const auto& block : content)
        if (string_at(block, "type") == "tool_use") open_calls.insert(string_at(block, "id"));
      open_at = i;
      continue;
    }
    for (size_t j = 0; j < content.size(); ++j) {
      if (string_at(content[j], "type") != "tool_result") continue;
      const std::string id = string_at(content[j], "tool_use_id");
      if (open_calls.erase(id) == 0)
        return anthropic_error(400, "invalid_request_error",
                               "messages." + std::to_string(i) + ".content." + std::to_string(j) +
                                   ": unexpected `tool_use_id` found in `tool_result` blocks: " + id +
                                   ". Each `tool_result` block must have a corresponding `tool_use` block in the "
                                   "previous message.");
    }
    if (!open_calls.empty()) break;
  }
  if (!open_calls.empty() && open_at + 1 < messages.size())
    return anthropic_error(
        400, "invalid_request_error",
        "messages." + std::to_string(open_at + 1) +
            ": `tool_use` ids were found without `tool_result` blocks immediately after: " + *open_calls.begin() +
            ". Each `tool_use` block must have a corresponding `tool_result` block in the next "
            "message.");
  return std::nullopt;
}

bool has_tool_result(const json& body) {
  for (const auto& message : array_at(body, "messages"))
    for (const auto& block : array_at(message, "content"))
      if (string_at(block, "type") == "tool_result") return true;
  return false;
}

// The shell tool when offered, else the first tool; null when there are none.
json pick_anthropic_tool(const json& body) {
  json first;
  for (const auto& tool : array_at(body, "tools")) {
    if (!tool.is_object() || string_at(tool, "name").empty()) continue;
    if (e2e::is_shell_tool(string_at(tool, "name"))) return tool;
    if (first.is_null()) first = tool;
  }
  return first;
}

FakeResponse anthropic_e2e(const RecordedRequest& request, bool tool_call) {
  const json body = parse(request);
  if (!body.is_object()) return anthropic_error(400, "invalid_request_error", "messages: body is not valid JSON");
  if (auto problem = anthropic_problem(request, body)) return *problem;
  const std::string model = model_of(body);
  const bool stream = is_true(body, "/stream");
  const json tool = tool_call && !has_tool_result(body) ? pick_anthropic_tool(body) : json();
  const int in = k_e2e_anthropic_input_tokens, read = k_e2e_anthropic_cache_read_tokens,
            write = k_e2e_anthropic_cache_write_tokens, out = k_e2e_anthropic_output_tokens;
  if (tool.is_object()) {
    const std::string name = string_at(tool, "name");
    const std::string input = e2e::shell_arguments(tool.value("input_schema", json::object()));
    return stream ? anthropic_tool_use_stream(model, name, input, in, read, write, out)
                  : anthropic_tool_use_reply(model, name, input, in, read, write, out);
  }
  return stream ? anthropic_stream(model, e2e::text_pieces(), in, read, write, out)
                : anthropic_reply(model, k_e2e_text, in, read, write, out);
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

// The real API refuses a function_call_output whose call it cannot find in the input.
std::optional<FakeResponse> responses_problem(const json& body) {
  std::set<std::string> calls;
  for (const auto& item : array_at(body, "input")) {
    const std::string type = string_at(item, "type");
    if (type == "function_call" || type == "custom_tool_call") calls.insert(string_at(item, "call_id"));
    if ((type == "function_call_output" || type == "custom_tool_call_output") &&
        !calls.count(string_at(item, "call_id")))
      return openai_error(
          400, "invalid_request_error",
          "No tool call found for function call output with call_id " + string_at(item, "call_id") + ".", "");
  }
  return std::nullopt;
}

bool has_function_output(const json& body) {
  for (const auto& item : array_at(body, "input")) {
    const std::string type = string_at(item, "type");
    if (type == "function_call_output" || type == "custom_tool_call_output") return true;
  }
  return false;
}

// The shell-like function tool (exec_command, shell) if offered, else the first function tool.
json pick_responses_tool(const json& body) {
  json first;
  for (const auto& tool : array_at(body, "tools")) {
    if (string_at(tool, "type") != "function") continue;
    if (e2e::is_shell_tool(string_at(tool, "name"))) return tool;
    if (first.is_null()) first = tool;
  }
  return first;
}

FakeResponse responses_e2e(const RecordedRequest& request, bool tool_call) {
  const json body = parse(request);
  if (!body.is_object())
    return openai_error(400, "invalid_request_error", "We could not parse the JSON body of your request.", "");
  if (auto problem = responses_problem(body)) return *problem;
  const std::string model = model_of(body);
  const bool stream = is_true(body, "/stream");
  const json tool = tool_call && !has_function_output(body) ? pick_responses_tool(body) : json();
  const int in = k_e2e_openai_prompt_tokens, cached = k_e2e_openai_cached_tokens, out = k_e2e_openai_completion_tokens;
  if (tool.is_object()) {
    const std::string name = string_at(tool, "name");
    const std::string arguments = e2e::shell_arguments(tool.value("parameters", json::object()));
    return stream ? openai_responses_function_call_stream(model, name, arguments, in, cached, out)
                  : openai_responses_function_call_reply(model, name, arguments, in, cached, out);
  }
  return stream ? openai_responses_stream(model, e2e::text_pieces(), in, cached, out)
                : openai_responses_reply(model, k_e2e_text, in, cached, out);
}

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions

FakeResponse chat_invalid(const std::string& message, const std::string& param, const std::string& code) {
  FakeResponse reply = openai_error(400, "invalid_request_error", message, code);
  // openai_error sends param null; the API names the offending parameter.
  nlohmann::ordered_json body = nlohmann::ordered_json::parse(reply.body);
  if (!param.empty()) body["error"]["param"] = param;
  reply.body = body.dump();
  return reply;
}

std::optional<FakeResponse> chat_tools_problem(const json& body) {
  const json tools = array_at(body, "tools");
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string at = "tools[" + std::to_string(i) + "]";
    const std::string type = string_at(tools[i], "type");
    if (type == "custom") continue;
    if (type != "function")
      return chat_invalid("Invalid value: '" + type + "'. Supported values are: 'function' and 'custom'.", at + ".type",
                          "invalid_value");
    if (!tools[i].contains("function") || !tools[i]["function"].is_object())
      return chat_invalid("Missing required parameter: '" + at + ".function'.", at + ".function",
                          "missing_required_parameter");
    if (!valid_tool_name(string_at(tools[i]["function"], "name"), "_-", false))
      return chat_invalid("Invalid '" + at +
                              ".function.name': string does not match pattern. Expected a string that "
                              "matches the pattern '^[a-zA-Z0-9_-]+$'.",
                          at + ".function.name", "invalid_value");
  }
  return std::nullopt;
}

// The checks of the real API that a translated request can fail: known fields and roles only,
// end-user ids of at most 64 characters, every tool message answers a tool call of an assistant
// message before it, every tool call is answered, stream_options only with stream, well-formed
// function tools (the messages are the API's own).
std::optional<FakeResponse> chat_problem(const json& body) {
  static const std::set<std::string> k_roles{"system", "developer", "user", "assistant", "tool", "function"};
  // api.openai.com refuses parameters it does not know (a leaked field of another format).
  static const std::set<std::string> k_fields{"model",
                                              "messages",
                                              "audio",
                                              "frequency_penalty",
                                              "function_call",
                                              "functions",
                                              "logit_bias",
                                              "logprobs",
                                              "max_completion_tokens",
                                              "max_tokens",
                                              "metadata",
                                              "modalities",
                                              "n",
                                              "parallel_tool_calls",
                                              "prediction",
                                              "presence_penalty",
                                              "prompt_cache_key",
                                              "prompt_cache_retention",
                                              "reasoning_effort",
                                              "response_format",
                                              "safety_identifier",
                                              "seed",
                                              "service_tier",
                                              "stop",
                                              "store",
                                              "stream",
                                              "stream_options",
                                              "temperature",
                                              "tool_choice",
                                              "tools",
                                              "top_logprobs",
                                              "top_p",
                                              "user",
                                              "verbosity",
                                              "web_search_options"};
  for (const auto& [name, value] : body.items())
    if (!k_fields.count(name)) return chat_invalid("Unrecognized request argument supplied: " + name, "", "");
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
    return chat_invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  if (body.contains("stream_options") && !body["stream_options"].is_null() && !is_true(body, "/stream"))
    return chat_invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options",
                        "invalid_value");
  // End-user ids are at most 64 characters (OpenAI; OpenRouter allows 128): Claude Code's
  // metadata.user_id, a ~150-character JSON string, does not fit.
  for (const char* field : {"user", "safety_identifier"}) {
    const std::string id = string_at(body, field);
    if (id.size() > 64)
      return chat_invalid("Invalid '" + std::string(field) +
                              "': string too long. Expected a string with maximum length 64, "
                              "but got a string with length " +
                              std::to_string(id.size()) + " instead.",
                          field, "string_above_max_length");
  }
  if (auto problem = chat_tools_problem(body)) return problem;
  const json messages = body["messages"];
  std::set<std::string> unanswered;
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string role = string_at(messages[i], "role");
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!k_roles.count(role))
      return chat_invalid("Invalid value: '" + role +
                              "'. Supported values are: 'system', 'assistant', 'user', "
                              "'function', 'tool', and 'developer'.",
                          at + ".role", "invalid_value");
    if (role == "tool") {
      if (unanswered.erase(string_at(messages[i], "tool_call_id")) == 0)
        return chat_invalid("Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
                            "with 'tool_calls'.",
                            at + ".role", "");
      continue;
    }
    if (!unanswered.empty()) break;
    if (role == "assistant")
      for (const auto& call : array_at(messages[i], "tool_calls")) unanswered.insert(string_at(call, "id"));
  }
  if (!unanswered.empty())
    return chat_invalid("An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                        "'tool_call_id'. The following tool_call_ids did not have response messages: " +
                            *unanswered.begin(),
                        "messages", "");
  return std::nullopt;
}

bool has_tool_message(const json& body) {
  for (const auto& message : array_at(body, "messages"))
    if (string_at(message, "role") == "tool") return true;
  return false;
}

// The shell function tool if offered, else the first function tool (Chat shape
// {type:"function", function:{name, parameters}}).
json pick_chat_tool(const json& body) {
  json first;
  for (const auto& tool : array_at(body, "tools")) {
    if (string_at(tool, "type") != "function" || !tool.contains("function")) continue;
    if (e2e::is_shell_tool(string_at(tool["function"], "name"))) return tool["function"];
    if (first.is_null()) first = tool["function"];
  }
  return first;
}

FakeResponse chat_e2e(const RecordedRequest& request, bool tool_call) {
  const json body = parse(request);
  if (!body.is_object())
    return openai_error(400, "invalid_request_error", "We could not parse the JSON body of your request.", "");
  if (auto problem = chat_problem(body)) return *problem;
  const std::string model = model_of(body);
  const bool stream = is_true(body, "/stream"), include_usage = is_true(body, "/stream_options/include_usage");
  const json tool = tool_call && !has_tool_message(body) ? pick_chat_tool(body) : json();
  const int in = k_e2e_openai_prompt_tokens, cached = k_e2e_openai_cached_tokens, out = k_e2e_openai_completion_tokens;
  if (tool.is_object()) {
    const std::string name = string_at(tool, "name");
    const std::string arguments = e2e::shell_arguments(tool.value("parameters", json::object()));
    return stream ? openai_chat_tool_call_stream(model, name, arguments, include_usage, in, cached, out)
                  : openai_chat_tool_call_reply(model, name, arguments, in, cached, out);
  }
  return stream ? openai_chat_stream(model, e2e::text_pieces(), include_usage, in, cached, out)
                : openai_chat_reply(model, k_e2e_text, in, cached, out);
}

} // namespace

void install_e2e_handlers(FakeUpstream& upstream, bool tool_call) {
  upstream.on("POST", "/v1/chat/completions", [tool_call](const RecordedRequest& r) { return chat_e2e(r, tool_call); });
  upstream.on("POST", "/v1/responses", [tool_call](const RecordedRequest& r) { return responses_e2e(r, tool_call); });
  upstream.on("POST", "/v1/messages", [tool_call](const RecordedRequest& r) { return anthropic_e2e(r, tool_call); });
  e2e::install_gemini_handlers(upstream, tool_call);
}

} // namespace llmgw::test
