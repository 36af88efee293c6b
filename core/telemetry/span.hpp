#pragma once
// A finished span in the shape OTLP carries it, and the W3C trace context that links spans
// (https://www.w3.org/TR/trace-context/).
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmgw::core::telemetry {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

// The values OTLP gives them (opentelemetry/proto/trace/v1/trace.proto).
enum class SpanKind { internal = 1, server = 2, client = 3 };
enum class StatusCode { unset = 0, ok = 1, error = 2 };

struct Attribute {
  std::string key;
  std::variant<std::string, int64_t, double, bool> value;
};

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{}; // all zero: a root span
  std::string trace_state; // W3C tracestate, as the client sent it
  uint32_t flags = 0;      // OTLP span flags: W3C trace flags in the low byte, is-remote bits 8 and 9
  std::string name;
  SpanKind kind = SpanKind::internal;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  std::vector<Attribute> attributes;
  StatusCode status = StatusCode::unset;
  std::string status_message;
};

// A client's traceparent, version 00 (later versions are read as 00, as the spec asks).
struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  uint8_t flags = 0; // bit 0: sampled
};

// The parsed header, or nullopt when it is malformed (then the request starts a new trace).
std::optional<TraceParent> parse_traceparent(std::string_view header);

// Lowercase hex of the bytes.
std::string to_hex(const uint8_t* bytes, size_t size);
template <size_t N> std::string to_hex(const std::array<uint8_t, N>& id) { return to_hex(id.data(), N); }

// Random, non-zero ids.
class IdSource {
public:
  IdSource();
  TraceId trace_id();
  SpanId span_id();

private:
  template <size_t N> std::array<uint8_t, N> random_id();
  std::mt19937_64 m_random;
};

} // namespace llmgw::core::telemetry
