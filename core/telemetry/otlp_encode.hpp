#pragma once
// An OTLP ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) with one resource
// and one instrumentation scope, as OTLP/HTTP sends it: JSON ("http/json", ids in hex, 64-bit
// integers as strings) or the protobuf wire format ("http/protobuf").
#include "core/telemetry/span.hpp"

#include <string>
#include <vector>

namespace llmgw::core::telemetry {

// Who produced the spans: the resource's attributes (service.name, ...) and the scope.
struct Producer {
  std::vector<Attribute> resource;
  std::string scope_name;
  std::string scope_version;
};

std::string encode_json(const Producer& producer, const std::vector<Span>& spans);
std::string encode_protobuf(const Producer& producer, const std::vector<Span>& spans);

} // namespace llmgw::core::telemetry
