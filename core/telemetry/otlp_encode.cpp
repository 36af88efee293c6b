#include "core/telemetry/otlp_encode.hpp"

#include <cstring>
#include <nlohmann/json.hpp>

namespace llmgw::core::telemetry {
namespace {

using nlohmann::json;

// --- http/json (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) ---

json json_value(const Attribute& attribute) {
  return std::visit(
      [](const auto& value) -> json {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>)
          return {{"stringValue", value}};
        else if constexpr (std::is_same_v<T, int64_t>)
          return {{"intValue", std::to_string(value)}};
        else if constexpr (std::is_same_v<T, double>)
          return {{"doubleValue", value}};
        else
          return {{"boolValue", value}};
      },
      attribute.value);
}

json json_attributes(const std::vector<Attribute>& attributes) {
  json out = json::array();
  for (const auto& attribute : attributes) out.push_back({{"key", attribute.key}, {"value", json_value(attribute)}});
  return out;
}

json json_span(const Span& span) {
  json out{{"traceId", to_hex(span.trace_id)},
           {"spanId", to_hex(span.span_id)},
           {"flags", span.flags},
           {"name", span.name},
           {"kind", static_cast<int>(span.kind)},
           {"startTimeUnixNano", std::to_string(span.start_unix_ns)},
           {"endTimeUnixNano", std::to_string(span.end_unix_ns)},
           {"attributes", json_attributes(span.attributes)}};
  if (span.parent_span_id != SpanId{}) out["parentSpanId"] = to_hex(span.parent_span_id);
  if (!span.trace_state.empty()) out["traceState"] = span.trace_state;
  json status = json::object();
  if (span.status != StatusCode::unset) status["code"] = static_cast<int>(span.status);
  if (!span.status_message.empty()) status["message"] = span.status_message;
  out["status"] = std::move(status);
  return out;
}

// --- http/protobuf: the wire format (https://protobuf.dev/programming-guides/encoding/) ---

enum WireType : uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// proto3 leaves a field at its default out, except a oneof member (`always`), which says which
// member is set even when it is 0, false or "".
class Writer {
public:
  void number(uint32_t field, uint64_t value, bool always = false) {
    if (value == 0 && !always) return;
    tag(field, varint);
    raw_varint(value);
  }
  void fixed(uint32_t field, uint64_t value, int size, bool always = false) {
    if (value == 0 && !always) return;
    tag(field, size == 8 ? fixed64 : fixed32);
    for (int i = 0; i < size; ++i) m_out += static_cast<char>(value >> (8 * i));
  }
  // Strings, bytes and nested messages.
  void bytes(uint32_t field, std::string_view value, bool always = false) {
    if (value.empty() && !always) return;
    tag(field, length_delimited);
    raw_varint(value.size());
    m_out.append(value);
  }
  template <size_t N> void id(uint32_t field, const std::array<uint8_t, N>& value) {
    bytes(field, std::string_view(reinterpret_cast<const char*>(value.data()), N));
  }
  std::string take() { return std::move(m_out); }

private:
  void tag(uint32_t field, WireType type) { raw_varint((static_cast<uint64_t>(field) << 3) | type); }
  void raw_varint(uint64_t value) {
    while (value >= 0x80) {
      m_out += static_cast<char>((value & 0x7f) | 0x80);
      value >>= 7;
    }
    m_out += static_cast<char>(value);
  }
  std::string m_out;
};

// common/v1: KeyValue {1 key, 2 value}; AnyValue oneof {1 string, 2 bool, 3 int64, 4 double}.
std::string proto_key_value(const Attribute& attribute) {
  Writer value;
  std::visit(
      [&value](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          value.bytes(1, v, true);
        else if constexpr (std::is_same_v<T, int64_t>)
          value.number(3, static_cast<uint64_t>(v), true);
        else if constexpr (std::is_same_v<T, double>) {
          uint64_t bits = 0;
          std::memcpy(&bits, &v, sizeof bits);
          value.fixed(4, bits, 8, true);
        } else
          value.number(2, v ? 1 : 0, true);
      },
      attribute.value);
  Writer out;
  out.bytes(1, attribute.key);
  out.bytes(2, value.take(), true);
  return out.take();
}

void proto_attributes(Writer& out, uint32_t field, const std::vector<Attribute>& attributes) {
  for (const auto& attribute : attributes) out.bytes(field, proto_key_value(attribute), true);
}

// trace/v1 Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind,
// 7 start, 8 end (fixed64), 9 attributes, 15 status {2 message, 3 code}, 16 flags (fixed32).
std::string proto_span(const Span& span) {
  Writer out;
  out.id(1, span.trace_id);
  out.id(2, span.span_id);
  out.bytes(3, span.trace_state);
  if (span.parent_span_id != SpanId{}) out.id(4, span.parent_span_id);
  out.bytes(5, span.name);
  out.number(6, static_cast<uint64_t>(span.kind));
  out.fixed(7, span.start_unix_ns, 8);
  out.fixed(8, span.end_unix_ns, 8);
  proto_attributes(out, 9, span.attributes);
  Writer status;
  status.bytes(2, span.status_message);
  status.number(3, static_cast<uint64_t>(span.status));
  out.bytes(15, status.take());
  out.fixed(16, span.flags, 4);
  return out.take();
}

} // namespace

std::string encode_json(const Producer& producer, const std::vector<Span>& spans) {
  json encoded = json::array();
  for (const auto& span : spans) encoded.push_back(json_span(span));
  json scope{{"name", producer.scope_name}, {"version", producer.scope_version}};
  json resource{{"attributes", json_attributes(producer.resource)}};
  json scope_spans = json::array({json{{"scope", std::move(scope)}, {"spans", std::move(encoded)}}});
  json resource_spans = json::array({json{{"resource", std::move(resource)}, {"scopeSpans", std::move(scope_spans)}}});
  return json{{"resourceSpans", std::move(resource_spans)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ExportTraceServiceRequest {1 resource_spans}; ResourceSpans {1 resource {1 attributes},
// 2 scope_spans}; ScopeSpans {1 scope {1 name, 2 version}, 2 spans}.
std::string encode_protobuf(const Producer& producer, const std::vector<Span>& spans) {
  Writer resource;
  proto_attributes(resource, 1, producer.resource);
  Writer scope;
  scope.bytes(1, producer.scope_name);
  scope.bytes(2, producer.scope_version);
  Writer scope_spans;
  scope_spans.bytes(1, scope.take(), true);
  for (const auto& span : spans) scope_spans.bytes(2, proto_span(span), true);
  Writer resource_spans;
  resource_spans.bytes(1, resource.take(), true);
  resource_spans.bytes(2, scope_spans.take(), true);
  Writer request;
  request.bytes(1, resource_spans.take(), true);
  return request.take();
}

} // namespace llmgw::core::telemetry
