// The dashboard's JSON API (GET /dashboard/api/NAME): checks the parameters, asks the ledger.
#include "core/dashboard/dashboard.hpp"

#include <charconv>
#include <optional>
#include <set>

namespace llmgw::core::dashboard {
namespace {

std::optional<int64_t> parse_int(const std::string& text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<Range> parse_range(const std::string& text) {
  if (text == "today") return Range::today;
  if (text == "7d") return Range::days7;
  if (text == "30d") return Range::days30;
  if (text == "month") return Range::month;
  return std::nullopt;
}

void write_json(httplib::Response& response, const nlohmann::json& body) {
  response.set_content(body.dump(), "application/json");
}

bool serve_requests(const httplib::Request& request, httplib::Response& response, DataSource& data) {
  RequestFilter filter;
  if (request.has_param("limit")) {
    auto limit = parse_int(request.get_param_value("limit"));
    if (!limit || *limit < 1) return write_json_error(response, 400, "limit must be a positive number"), true;
    filter.limit = static_cast<int>(std::min<int64_t>(*limit, 1000));
  }
  if (request.has_param("before_id") && !request.get_param_value("before_id").empty()) {
    auto before = parse_int(request.get_param_value("before_id"));
    if (!before || *before < 1) return write_json_error(response, 400, "before_id must be a row id"), true;
    filter.before_id = *before;
  }
  filter.model = request.get_param_value("model");
  filter.agent = request.get_param_value("agent");
  filter.provider = request.get_param_value("provider");
  filter.status = request.get_param_value("status");
  if (!filter.status.empty() && filter.status != "ok" && filter.status != "error")
    return write_json_error(response, 400, "status must be ok or error"), true;
  write_json(response, data.requests(filter));
  return true;
}

} // namespace

bool serve_api(std::string_view name, const httplib::Request& request, httplib::Response& response, DataSource& data,
               const GatewayView& gateway, int64_t now_ms) {
  if (name == "summary") {
    nlohmann::json body = data.summary(now_ms);
    body["generated_at_ms"] = now_ms;
    write_json(response, body);
    return true;
  }
  if (name == "spend") {
    const std::string days_text = request.has_param("days") ? request.get_param_value("days") : "30";
    auto days = parse_int(days_text);
    if (!days || *days < 1 || *days > 366)
      return write_json_error(response, 400, "days must be a number from 1 to 366"), true;
    const std::string by = request.has_param("by") ? request.get_param_value("by") : "model";
    if (by != "model" && by != "agent") return write_json_error(response, 400, "by must be model or agent"), true;
    write_json(response, data.spend(static_cast<int>(*days), by, now_ms));
    return true;
  }
  if (name == "breakdown" || name == "cache_health") {
    std::string range_text = request.get_param_value("range");
    if (range_text.empty()) range_text = name == "cache_health" ? "7d" : "30d";
    auto range = parse_range(range_text);
    if (!range) return write_json_error(response, 400, "range must be today, 7d, 30d or month"), true;
    if (name == "cache_health") {
      write_json(response, data.cache_health(*range, now_ms));
      return true;
    }
    static const std::set<std::string> k_by{"agent", "model", "provider", "project", "key", "session"};
    const std::string by = request.has_param("by") ? request.get_param_value("by") : "model";
    if (!k_by.count(by))
      return write_json_error(response, 400, "by must be agent, model, provider, project, key or session"), true;
    write_json(response, data.breakdown(by, *range, now_ms));
    return true;
  }
  if (name == "caps") {
    write_json(response, data.caps(gateway.hard_caps ? gateway.hard_caps() : false, now_ms));
    return true;
  }
  if (name == "providers") {
    write_json(response,
               gateway.providers ? gateway.providers(now_ms) : nlohmann::json{{"providers", nlohmann::json::array()}});
    return true;
  }
  if (name == "requests") return serve_requests(request, response, data);
  if (name.substr(0, 9) == "requests/") {
    auto id = parse_int(std::string(name.substr(9)));
    if (!id || *id < 1) return write_json_error(response, 404, "no such request"), true;
    auto detail = data.request(*id);
    if (!detail) return write_json_error(response, 404, "no such request"), true;
    if (gateway.cost_parts) (*detail)["cost"]["parts"] = gateway.cost_parts(*detail);
    write_json(response, *detail);
    return true;
  }
  return false;
}

} // namespace llmgw::core::dashboard
