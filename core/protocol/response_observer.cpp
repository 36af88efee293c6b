#include "core/protocol/response_observer.hpp"

#include "core/protocol/json_scan.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace llmgw::core::protocol {
namespace {

using nlohmann::json;

constexpr size_t k_max_error_chars = 500;

size_t skip_json_space(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n')) ++at;
  return at;
}

// Where the value of member `quoted_key` starts, found without parsing; npos if absent. Inside
// a JSON string every quote is escaped, so an unescaped "key" followed by ':' is a member name.
size_t member_value_at(std::string_view data, std::string_view quoted_key) {
  for (size_t at = data.find(quoted_key); at != std::string_view::npos; at = data.find(quoted_key, at + 1)) {
    size_t colon = skip_json_space(data, at + quoted_key.size());
    if (colon < data.size() && data[colon] == ':') {
      size_t value = skip_json_space(data, colon + 1);
      if (value < data.size()) return value;
    }
  }
  return std::string_view::npos;
}

// True when member `quoted_key` exists and its value starts with one of `first_chars`.
bool has_member(std::string_view data, std::string_view quoted_key, std::string_view first_chars) {
  size_t value = member_value_at(data, quoted_key);
  return value != std::string_view::npos && first_chars.find(data[value]) != std::string_view::npos;
}

// The string value starting at `value` when it has no escapes (model names, event types); empty
// otherwise (and at npos).
std::string_view string_at(std::string_view data, size_t value) {
  if (value == std::string_view::npos || data[value] != '"') return {};
  size_t end = data.find('"', value + 1);
  if (end == std::string_view::npos) return {};
  std::string_view text = data.substr(value + 1, end - value - 1);
  return text.find('\\') == std::string_view::npos ? text : std::string_view{};
}

// The first string value of member `quoted_key` when it has no escapes; empty otherwise.
std::string_view sniff_string(std::string_view data, std::string_view quoted_key) {
  return string_at(data, member_value_at(data, quoted_key));
}

// Member names looked for in one pass, with the names of each length (bit i: names[i]).
template <size_t N> struct MemberNames {
  static_assert(N <= 16);
  std::array<std::string_view, N> names;
  std::array<uint16_t, 64> by_length{};

  constexpr explicit MemberNames(const std::array<std::string_view, N>& wanted) : names(wanted) {
    for (size_t i = 0; i < N; ++i)
      if (names[i].size() < by_length.size()) by_length[names[i].size()] |= static_cast<uint16_t>(1u << i);
  }
};

// Where the value of the first member named wanted.names[i] starts (npos when none), for every
// name in one pass over data: each string is read whole, and one followed by ':' is a member
// name. A streamed event is looked at for a dozen names; a search per name would read it a dozen
// times. This runs on every streamed event, so it is written for it: the few bytes between
// strings are stepped over in place, a string's end is found with memchr (a quote is escaped
// only after an odd run of backslashes), and a name is compared only with the names of its
// length and first byte (most, like "id", "object" and "index", match none).
template <size_t N> std::array<size_t, N> find_members(std::string_view data, const MemberNames<N>& wanted) {
  std::array<size_t, N> found;
  found.fill(std::string_view::npos);
  const char* const begin = data.data();
  for (size_t at = 0;;) {
    while (at < data.size() && data[at] != '"') ++at;
    if (at >= data.size()) break;
    const size_t open = ++at;
    for (;;) {
      const void* quote = std::memchr(begin + at, '"', data.size() - at);
      if (quote == nullptr) return found; // unterminated
      at = static_cast<size_t>(static_cast<const char*>(quote) - begin);
      size_t slashes = at;
      while (slashes > open && data[slashes - 1] == '\\') --slashes;
      if ((at - slashes) % 2 == 0) break;
      ++at;
    }
    const size_t length = at - open;
    ++at;
    unsigned candidates = length < wanted.by_length.size() ? wanted.by_length[length] : 0;
    if (candidates == 0) continue;
    const size_t colon = skip_json_space(data, at);
    if (colon >= data.size() || data[colon] != ':') continue;
    const size_t value = skip_json_space(data, colon + 1);
    if (value >= data.size()) continue;
    for (; candidates != 0; candidates &= candidates - 1) {
      const auto i = static_cast<size_t>(std::countr_zero(candidates));
      const std::string_view name = wanted.names[i];
      if (found[i] == std::string_view::npos && name[0] == data[open] &&
          std::memcmp(name.data(), begin + open, length) == 0)
        found[i] = value;
    }
  }
  return found;
}

// The members that carry generated text in a delta event, in the order they are looked at.
constexpr std::array<std::string_view, 7> k_text_members{"text",    "partial_json",      "thinking", "delta",
                                                         "content", "reasoning_content", "arguments"};
constexpr MemberNames<k_text_members.size()> k_text_names{k_text_members};

// Length of the first string value among the text members found at `values` (escapes counted as
// written: close enough for an estimate).
int64_t text_bytes_at(std::string_view data, const size_t* values) {
  for (size_t i = 0; i < k_text_members.size(); ++i) {
    const size_t value = values[i];
    if (value == std::string_view::npos || data[value] != '"') continue;
    size_t end = value + 1;
    while (end < data.size() && data[end] != '"') end += data[end] == '\\' ? 2 : 1;
    return static_cast<int64_t>(end - value - 1);
  }
  return 0;
}

int64_t delta_text_bytes(std::string_view data) { return text_bytes_at(data, find_members(data, k_text_names).data()); }

// Where the JSON value starting at `at` ends (one past it): a string, or an object or array with
// its nested brackets balanced; other values end at the next delimiter. Strings are skipped whole.
size_t value_end(std::string_view data, size_t at) {
  int depth = 0;
  for (size_t i = at; i < data.size(); ++i) {
    const char c = data[i];
    if (c == '"') {
      for (++i; i < data.size() && data[i] != '"';) i += data[i] == '\\' ? 2 : 1;
      if (depth == 0) return std::min(i + 1, data.size());
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) return i + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
      return i;
    }
  }
  return data.size();
}

// Bytes of every member named `quoted_key` whose value starts with one of `first_chars` (strings
// without their quotes, objects whole), anywhere in data. A value's own text is never searched
// again, so a key mentioned inside generated text is not counted twice.
int64_t member_bytes(std::string_view data, std::string_view quoted_key, std::string_view first_chars) {
  int64_t bytes = 0;
  for (size_t at = data.find(quoted_key); at != std::string_view::npos; at = data.find(quoted_key, at)) {
    size_t colon = skip_json_space(data, at + quoted_key.size());
    at += quoted_key.size();
    if (colon >= data.size() || data[colon] != ':') continue;
    size_t value = skip_json_space(data, colon + 1);
    if (value >= data.size() || first_chars.find(data[value]) == std::string_view::npos) continue;
    size_t end = value_end(data, value);
    bytes += std::max<int64_t>(static_cast<int64_t>(end - value) - (data[value] == '"' ? 2 : 0), 0);
    at = end;
  }
  return bytes;
}

// Generated text, thinking and tool arguments in a whole body or a Gemini chunk, which may hold
// several parts: Chat content and arguments, Responses and Anthropic text, Anthropic thinking and
// tool input, Gemini text and function-call args.
int64_t generated_bytes(std::string_view data) {
  int64_t bytes = 0;
  for (std::string_view key :
       {"\"text\"", "\"content\"", "\"arguments\"", "\"reasoning_content\"", "\"thinking\"", "\"refusal\""})
    bytes += member_bytes(data, key, "\"");
  for (std::string_view key : {"\"input\"", "\"args\""}) bytes += member_bytes(data, key, "{");
  return bytes;
}

// Upstream text nested too deep reads like malformed text: discarded.
json parse(std::string_view text) { return parse_json(text); }

const json& member(const json& object, const char* key) {
  static const json k_null;
  if (!object.is_object()) return k_null;
  auto it = object.find(key);
  return it == object.end() ? k_null : *it;
}

bool has_non_null(const json& object, const char* key) { return !member(object, key).is_null(); }

} // namespace

void ResponseObserver::take_model(const nlohmann::json& holder, const char* key) {
  const json& model = member(holder, key);
  if (model.is_string() && !model.get_ref<const std::string&>().empty()) m_model = model.get<std::string>();
}

// Error shapes: OpenAI {"error":{"message"}}, Anthropic {"type":"error","error":{"message"}},
// Gemini {"error":{"code","message","status"}}, Responses {"type":"error","message"}.
void ResponseObserver::take_error(const nlohmann::json& error) {
  m_saw_error = true;
  const json& message = member(error, "message");
  if (message.is_string())
    m_error_message = message.get<std::string>();
  else if (error.is_string())
    m_error_message = error.get<std::string>();
  else
    m_error_message = error.dump();
  if (m_error_message.size() > k_max_error_chars) m_error_message.resize(k_max_error_chars);
}

// A whole body is read in place: its top level is scanned and only the usage object's counts,
// the model name and an error are looked at, so a long completion (or a large tool call) is
// never turned into a JSON tree on the request path.
void ResponseObserver::observe_body(std::string_view body) {
  // Gemini has been seen wrapping error bodies in a one-element array.
  std::string_view object = body;
  if (std::string_view element = first_element(body); !element.empty()) object = element;
  const auto scanned = scan_object(object);
  if (!scanned) return;
  // The last member of a repeated name, as a parser keeps it.
  auto last = [&](std::string_view key) {
    const TopLevelMember* found = nullptr;
    for (const auto& field : scanned->members)
      if (field.key == key) found = &field;
    return found;
  };
  auto member = [&](std::string_view key) {
    const TopLevelMember* found = last(key);
    return found ? object.substr(found->value_begin, found->value_end - found->value_begin) : std::string_view{};
  };
  auto take_model = [&](std::string_view key) {
    const TopLevelMember* found = last(key);
    if (!found) return;
    if (auto name = string_value(object, *found); name && !name->empty()) m_model = std::move(*name);
  };
  auto is_object = [](std::string_view value) { return !value.empty() && value.front() == '{'; };
  if (std::string_view error = member("error"); !error.empty() && error != "null") take_error(parse(error));
  switch (m_format) {
  case ApiFormat::openai_chat:
  case ApiFormat::openai_responses: {
    // Groq puts usage under x_groq.usage.
    std::string_view usage = member("usage");
    if (!is_object(usage)) usage = member_text(member("x_groq"), "usage");
    if (is_object(usage)) m_usage = usage_from_openai(JsonText{usage});
    take_model("model");
    break;
  }
  case ApiFormat::anthropic:
    if (std::string_view usage = member("usage"); is_object(usage)) m_usage = usage_from_anthropic(JsonText{usage});
    take_model("model");
    break;
  case ApiFormat::gemini:
    if (std::string_view usage = member("usageMetadata"); is_object(usage))
      m_usage = usage_from_gemini(JsonText{usage});
    take_model("modelVersion");
    break;
  }
  m_complete = !m_saw_error;
  // No usage: what the answer holds is what an estimate of its output goes by. The walk over the
  // body happens only then, so an answer with usage costs nothing more.
  if (!m_usage.reported) m_text_bytes = generated_bytes(object);
}

EventInfo ResponseObserver::observe_event(const http::SseEvent& event) {
  if (!event.has_data) return {};
  switch (m_format) {
  case ApiFormat::openai_chat: return observe_chat(event.data);
  case ApiFormat::anthropic: return observe_anthropic(event.event, event.data);
  case ApiFormat::openai_responses: return observe_responses(event.event, event.data);
  case ApiFormat::gemini: return observe_gemini(event.data);
  }
  return {};
}

// Chat chunks carry "usage": null until the last one (§1.5); most are parsed not at all.
EventInfo ResponseObserver::observe_chat(std::string_view data) {
  EventInfo info;
  if (data == "[DONE]") {
    info.terminal = true;
    m_complete = true;
    return info;
  }
  // One pass finds every member looked at: the text ones, then the four below.
  static constexpr MemberNames<11> k_names{std::array<std::string_view, 11>{
      k_text_members[0], k_text_members[1], k_text_members[2], k_text_members[3], k_text_members[4], k_text_members[5],
      k_text_members[6], "finish_reason", "usage", "error", "model"}};
  const auto at = find_members(data, k_names);
  auto starts = [&](size_t i, char first, char or_first) {
    return at[i] != std::string_view::npos && (data[at[i]] == first || data[at[i]] == or_first);
  };
  if (m_model.empty() && starts(10, '"', '"')) m_model = string_at(data, at[10]);
  m_text_bytes += text_bytes_at(data, at.data());
  if (starts(7, '"', '"')) m_saw_finish = true;
  bool usage = starts(8, '{', '{'); // also matches Groq's x_groq.usage
  bool error = starts(9, '{', '"');
  if (error) {
    json doc = parse(data);
    if (has_non_null(doc, "error")) {
      take_error(doc["error"]);
      info.error = true;
    }
  }
  if (usage) {
    // Read in place, as a whole body's: the usage chunk ends every stream.
    auto is_object = [](std::string_view value) { return !value.empty() && value.front() == '{'; };
    std::string_view found = member_text(data, "usage");
    if (!is_object(found)) found = member_text(member_text(data, "x_groq"), "usage");
    if (is_object(found)) {
      // Providers that repeat a cumulative usage on every chunk: the last one wins (§1.5).
      m_usage = usage_from_openai(JsonText{found});
      const std::string_view choices = member_text(data, "choices");
      const size_t inside = choices.empty() ? 0 : skip_json_space(choices, 1);
      info.usage_only_chunk = choices.size() > inside && choices.front() == '[' && choices[inside] == ']';
    }
  }
  if (m_saw_finish && m_usage.reported) m_complete = true;
  return info;
}

// Dispatch on the event name like the Anthropic SDK does (§3.5); only four names matter.
EventInfo ResponseObserver::observe_anthropic(std::string_view name, std::string_view data) {
  EventInfo info;
  if (name.empty()) name = sniff_string(data, "\"type\""); // tolerate emitters without event:
  if (name == "content_block_delta") {
    m_text_bytes += delta_text_bytes(data);
  } else if (name == "message_stop") {
    info.terminal = true;
    m_complete = true;
  } else if (name == "message_start") {
    json doc = parse(data);
    const json& message = member(doc, "message");
    take_model(message, "model");
    if (member(message, "usage").is_object()) m_usage = usage_from_anthropic(message["usage"]);
  } else if (name == "message_delta") {
    // message_delta usage is cumulative: overwrite the non-null fields, never add (§3.5).
    json doc = parse(data);
    const json& usage = member(doc, "usage");
    overlay_anthropic_usage(m_usage, usage);
    if (usage.is_object()) m_saw_final_usage = true;
  } else if (name == "error") {
    json doc = parse(data);
    take_error(has_non_null(doc, "error") ? doc["error"] : doc);
    info.error = true;
  }
  return info;
}

// Responses streams end with a terminal response.* event carrying usage, even on failure (§2.4).
EventInfo ResponseObserver::observe_responses(std::string_view name, std::string_view data) {
  EventInfo info;
  if (name.empty()) name = sniff_string(data, "\"type\"");
  if (name.size() > 6 && name.substr(name.size() - 6) == ".delta") {
    m_text_bytes += delta_text_bytes(data);
  } else if (name == "response.created") {
    if (m_model.empty()) m_model = sniff_string(data, "\"model\"");
  } else if (name == "response.completed" || name == "response.failed" || name == "response.incomplete") {
    json doc = parse(data);
    const json& response = member(doc, "response");
    if (member(response, "usage").is_object()) m_usage = usage_from_openai(response["usage"]);
    take_model(response, "model");
    info.terminal = true;
    m_complete = true;
    if (name == "response.failed") {
      take_error(has_non_null(response, "error") ? response["error"] : json("response failed"));
      info.error = true;
    }
  } else if (name == "error") {
    json doc = parse(data);
    take_error(has_non_null(doc, "error") ? doc["error"] : doc);
    info.error = true;
  }
  return info;
}

// Gemini chunks repeat a cumulative usageMetadata; the last one is the total (§6.3).
EventInfo ResponseObserver::observe_gemini(std::string_view data) {
  EventInfo info;
  if (m_model.empty()) m_model = sniff_string(data, "\"modelVersion\"");
  m_text_bytes += generated_bytes(data);
  bool usage = has_member(data, "\"usageMetadata\"", "{");
  bool finish = has_member(data, "\"finishReason\"", "\"");
  bool error = has_member(data, "\"error\"", "{\"");
  if (!usage && !finish && !error) return info;
  json doc = parse(data);
  if (has_non_null(doc, "error")) {
    take_error(doc["error"]);
    info.error = true;
  }
  if (member(doc, "usageMetadata").is_object()) m_usage = usage_from_gemini(doc["usageMetadata"]);
  take_model(doc, "modelVersion");
  const json& candidates = member(doc, "candidates");
  if (candidates.is_array()) {
    for (const json& candidate : candidates) {
      if (member(candidate, "finishReason").is_string()) m_complete = true;
    }
  }
  return info;
}

} // namespace llmgw::core::protocol
