#include "core/dashboard/rows.hpp"

#include "core/pricing/cost_parts.hpp"

namespace llmgw::core::dashboard {

double usd(int64_t pico) { return static_cast<double>(pico) / 1e12; }

double cache_read_share(int64_t input_tokens, int64_t cache_read_tokens, int64_t cache_write_tokens) {
  const int64_t prompt = input_tokens + cache_read_tokens + cache_write_tokens;
  return prompt > 0 ? static_cast<double>(cache_read_tokens) / static_cast<double>(prompt) : 0.0;
}

nlohmann::json request_row(int64_t id, const RequestRecord& record) {
  const std::string& model = record.model();
  return {{"id", id},
          {"started_at_ms", record.started_at_ms},
          {"agent", record.agent},
          {"provider", record.provider},
          {"model", model},
          {"requested_model", record.requested_model},
          {"http_status", record.http_status},
          {"outcome", to_string(record.outcome)},
          {"duration_ms", record.duration_ms},
          {"ttfb_ms", record.ttfb_ms},
          {"cost_usd", usd(record.cost_usd_pico)},
          {"input_tokens", record.usage.input_uncached_tokens},
          {"output_tokens", record.usage.output_tokens},
          {"cache_read_tokens", record.usage.cache_read_tokens},
          {"cache_write_tokens", record.usage.cache_write_5m_tokens + record.usage.cache_write_1h_tokens},
          {"streamed", record.streamed},
          {"session", record.session_id},
          {"project", record.project},
          {"key", record.key_name},
          {"endpoint", record.endpoint},
          {"unpriced", record.unpriced},
          {"billed_to_client", record.billed_to_client}};
}

nlohmann::json request_detail(int64_t id, const RequestRecord& record, const std::string& price_basis) {
  nlohmann::json detail = request_row(id, record);
  const Usage& usage = record.usage;
  detail["usage"] = {{"input", usage.input_uncached_tokens},          {"output", usage.output_tokens},
                     {"cache_read", usage.cache_read_tokens},         {"cache_write_5m", usage.cache_write_5m_tokens},
                     {"cache_write_1h", usage.cache_write_1h_tokens}, {"reasoning", usage.reasoning_tokens}};
  detail["cost"] = {{"total_usd", usd(record.cost_usd_pico)},
                    {"total_usd_pico", record.cost_usd_pico},
                    {"price_basis", price_basis},
                    {"price_version", record.price_version},
                    {"usage_source", to_string(record.usage_source)},
                    {"unpriced", record.unpriced},
                    {"parts", nlohmann::json::array()}};
  nlohmann::json attempts = nlohmann::json::array();
  for (const Attempt& attempt : record.attempts)
    attempts.push_back({{"provider", attempt.provider},
                        {"model", attempt.model},
                        {"http_status", attempt.http_status},
                        {"latency_ms", attempt.latency_ms},
                        {"error", attempt.error}});
  detail["attempts"] = std::move(attempts);
  detail["timings"] = {{"ttfb_ms", record.ttfb_ms}, {"duration_ms", record.duration_ms}};
  detail["error"] = record.error_message;
  detail["upstream_request_id"] = record.upstream_request_id;
  return detail;
}

nlohmann::json cost_parts_json(const pricing::PriceTable& prices, const nlohmann::json& detail) {
  nlohmann::json parts = nlohmann::json::array();
  const auto& usage = detail.at("usage");
  const pricing::ModelPrice* price =
      prices.find(detail.at("provider").get<std::string>(), detail.at("model").get<std::string>());
  if (price == nullptr) return parts;
  Usage tokens;
  tokens.input_uncached_tokens = usage.at("input").get<int64_t>();
  tokens.cache_read_tokens = usage.at("cache_read").get<int64_t>();
  tokens.cache_write_5m_tokens = usage.at("cache_write_5m").get<int64_t>();
  tokens.cache_write_1h_tokens = usage.at("cache_write_1h").get<int64_t>();
  tokens.output_tokens = usage.at("output").get<int64_t>();
  tokens.reasoning_tokens = usage.at("reasoning").get<int64_t>();
  if (pricing::cost_usd_pico(*price, tokens) != detail.at("cost").at("total_usd_pico").get<int64_t>()) return parts;
  for (const pricing::CostPart& part : pricing::cost_parts(*price, tokens))
    parts.push_back({{"kind", part.kind}, {"tokens", part.tokens}, {"usd", usd(part.usd_pico)}});
  return parts;
}

std::string live_event(int64_t id, const RequestRecord& record) {
  return "event: request\ndata: " + request_row(id, record).dump() + "\n\n";
}

} // namespace llmgw::core::dashboard
