#pragma once
// Small helpers shared by the fake provider's reply builders: ids, timestamps, SSE framing.
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

namespace llmgw::test::wire {

// Provider JSON keeps the providers' key order ("type" first), hence ordered_json.
using json = nlohmann::ordered_json;

// Content type of every provider's SSE responses.
inline constexpr const char* k_sse_content_type = "text/event-stream; charset=utf-8";

// A process-unique id such as "msg_fake000001" (prefix + 6-digit counter).
inline std::string next_id(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  char digits[16];
  std::snprintf(digits, sizeof digits, "%06u", ++counter);
  return prefix + "fake" + digits;
}

// Seconds since the epoch, as "created" / "created_at" fields carry it.
inline long long now_seconds() { return static_cast<long long>(std::time(nullptr)); }

// One SSE record with an event: line (Anthropic, Responses).
inline std::string sse_event(const std::string& name, const nlohmann::ordered_json& data) {
  return "event: " + name + "\ndata: " + data.dump() + "\n\n";
}

// One SSE record without an event: line (Chat Completions).
inline std::string sse_data(const std::string& data) { return "data: " + data + "\n\n"; }

} // namespace llmgw::test::wire
