#pragma once
// The neutral form every wire format maps to and from (issue 3): a request, a response and the
// events of a streamed response, independent of Anthropic Messages, OpenAI Chat Completions,
// OpenAI Responses and Gemini. Codecs in this folder decode a format into it and encode it back.
#include "core/accounting/usage.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmgw::core::translate {

// The provider family that issued an opaque piece of reasoning state (Anthropic thinking
// signatures, OpenAI Responses encrypted reasoning, Gemini thought signatures). It is replayed only
// to the same family and dropped for any other (PROTOCOLS.md §5.8).
enum class Issuer { none, anthropic, openai, gemini };

struct Part {
  enum class Kind { text, image, document, tool_call, tool_result, thinking, redacted_thinking };
  Kind kind = Kind::text;
  std::string text; // text; thinking text (or a Responses reasoning summary)

  // image / document: base64 data with its media type, or a URL.
  std::string media_type;
  std::string data;
  std::string url;

  // tool_call: id, name, arguments as JSON text of an object ("{}" when none).
  // tool_result: id is the call it answers; name when known (Gemini needs it).
  std::string id;
  std::string name;
  std::string arguments = "{}";
  // A Responses custom (freeform) tool call: the raw input is `text`, arguments unused.
  bool custom = false;

  // tool_result: its content (text and image parts) and whether it reports a failure.
  std::vector<Part> content;
  bool is_error = false;

  // Reasoning state: the Anthropic thinking signature, the redacted_thinking data, the Responses
  // encrypted_content, or a Gemini thoughtSignature (on a thinking, text or tool_call part).
  std::string signature;
  Issuer issuer = Issuer::none;
  std::string reasoning_id; // Responses reasoning item id ("rs_..."), kept for replay to OpenAI
};

enum class Role { user, assistant };

struct Message {
  Role role = Role::user;
  std::vector<Part> parts; // tool results travel in user messages, tool calls in assistant ones
};

struct Tool {
  std::string name;
  std::string description;
  nlohmann::json parameters = nlohmann::json::object(); // JSON Schema of the arguments object
  bool custom = false;                                  // Responses custom (freeform) tool: takes one string
};

struct ToolChoice {
  enum class Mode { unset, automatic, any, none, tool };
  Mode mode = Mode::unset;
  std::string name; // for Mode::tool
};

struct Reasoning {
  bool enabled = false;
  std::optional<int64_t> budget_tokens; // Anthropic budget_tokens, Gemini thinkingBudget
  std::string effort;                   // "minimal" | "low" | "medium" | "high" (OpenAI), "" unknown
};

struct Request {
  std::string model;
  std::vector<std::string> system; // system / developer / instructions texts, in order
  std::vector<Message> messages;
  std::vector<Tool> tools;
  ToolChoice tool_choice;
  std::optional<bool> parallel_tool_calls;
  std::optional<int64_t> max_output_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::vector<std::string> stop;
  Reasoning reasoning;
  bool stream = false;
  bool include_usage = false; // a Chat client asked for the stream usage chunk
  std::string user;           // end-user id (metadata.user_id, user, safety_identifier)
  // Structured output as an OpenAI response_format object ({"type":"json_schema",...}); null if none.
  nlohmann::json response_format;
};

enum class StopReason { end_turn, max_tokens, tool_use, stop_sequence, refusal, pause_turn };

struct Response {
  std::string id;
  std::string model;
  std::vector<Part> parts; // assistant content in order
  StopReason stop = StopReason::end_turn;
  std::string stop_sequence;
  Usage usage;
};

// An upstream error in neutral terms. `message` is the provider's wording, kept word for word
// (Claude Code auto-compacts only when it reads "prompt is too long" and the like).
struct Error {
  int status = 500;
  std::string type; // the provider's error type or status name when it gave one, else ""
  std::string code; // the provider's error code when it gave one, else ""
  std::string message;
};

// One event of a streamed response. Decoders may interleave blocks (OpenAI tool-call fragments
// of several calls); the Sequencer turns that into one open block at a time for encoders.
struct StreamEvent {
  enum class Type { start, block_start, block_delta, block_stop, finish, error };
  Type type = Type::start;
  int block = 0;                          // block_*: the block's number (decoder's own numbering)
  Part part;                              // block_start: kind, id, name, issuer, custom (no content yet)
  std::string delta;                      // block_delta: text, thinking text or a fragment of arguments JSON
  std::string signature;                  // block_delta: (part of) the block's signature
  std::string id;                         // start: the response id
  std::string model;                      // start: the model that serves
  Usage usage;                            // start: input usage when known; finish: the final usage
  StopReason stop = StopReason::end_turn; // finish
  std::string stop_sequence;              // finish
  Error error;                            // error
};

// Options for encoding a request for an upstream provider.
struct RequestOptions {
  std::string model;                  // the upstream model name
  Issuer family = Issuer::none;       // whose reasoning state may be replayed
  bool openai_first_party = false;    // api.openai.com / Azure: max_completion_tokens, developer role
  bool stream_usage = true;           // Chat: add stream_options.include_usage when streaming
  int64_t default_max_tokens = 32000; // Anthropic requires max_tokens
  bool auto_cache = true;             // Anthropic: add cache_control breakpoints to translated requests
};

// Options for encoding a response (or stream) for the client.
struct ResponseOptions {
  std::string model;                  // echo the model name the client asked for
  bool include_usage = false;         // Chat stream: the client asked for the usage chunk
  std::set<std::string> custom_tools; // Responses: tool names that were custom (freeform) tools
};

// A request body that cannot be translated; answered with 400 in the client's format.
class TranslateError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Debug/golden form of the neutral types: a stable JSON rendering used by tests.
nlohmann::json to_json(const Part& part);
nlohmann::json to_json(const Request& request);
nlohmann::json to_json(const Response& response);
nlohmann::json to_json(const StreamEvent& event);
nlohmann::json to_json(const Usage& usage);
std::string_view to_string(StopReason stop);
std::string_view to_string(Issuer issuer);

} // namespace llmgw::core::translate
