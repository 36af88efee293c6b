#pragma once
// The spans of one finished request: a SERVER span for the request (continuing the client's
// W3C trace when it sent a traceparent) and a CLIENT span per upstream try, with the GenAI
// semantic-convention attributes (gen_ai.*) and llmgw's own (llmgw.*).
#include "core/accounting/request_record.hpp"
#include "core/config/config.hpp"
#include "core/telemetry/span.hpp"

#include <map>
#include <string>
#include <vector>

namespace llmgw::core::telemetry {

// gen_ai.provider.name of each configured provider, by provider name: "openai", "anthropic",
// "gcp.gemini", "azure.ai.openai"; an OpenAI-compatible one by its name ("deepseek", "groq", ...).
std::map<std::string, std::string> provider_systems(const config::Config& config);

class SpanBuilder {
public:
  explicit SpanBuilder(std::map<std::string, std::string> systems) : m_systems(std::move(systems)) {}

  // The request's spans, the SERVER span first; none when the client's traceparent says it is not
  // sampled. Usage attributes go on the try that served (so backends that sum usage over a trace,
  // such as Langfuse, count it once); the SERVER span carries the cost and the outcome.
  std::vector<Span> spans_of(const RequestRecord& record);

private:
  std::string system_of(const std::string& provider) const;

  std::map<std::string, std::string> m_systems;
  IdSource m_ids;
};

} // namespace llmgw::core::telemetry
