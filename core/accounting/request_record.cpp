#include "core/accounting/request_record.hpp"

#include <array>
#include <utility>

namespace llmgw::core {
namespace {

constexpr std::array<std::pair<Outcome, std::string_view>, 10> k_outcomes{{
    {Outcome::ok, "ok"},
    {Outcome::upstream_error, "upstream_error"},
    {Outcome::client_closed, "client_closed"},
    {Outcome::upstream_cut, "upstream_cut"},
    {Outcome::unreachable, "unreachable"},
    {Outcome::refused, "refused"},
    {Outcome::bad_request, "bad_request"},
    {Outcome::capped, "capped"},
    {Outcome::shutdown, "shutdown"},
    {Outcome::internal_error, "internal_error"},
}};

constexpr std::array<std::pair<UsageSource, std::string_view>, 3> k_sources{{
    {UsageSource::reported, "reported"},
    {UsageSource::estimated, "estimated"},
    {UsageSource::missing, "missing"},
}};

} // namespace

std::string_view to_string(Outcome outcome) {
  for (const auto& [value, name] : k_outcomes)
    if (value == outcome) return name;
  return "ok";
}

std::string_view to_string(UsageSource source) {
  for (const auto& [value, name] : k_sources)
    if (value == source) return name;
  return "missing";
}

Outcome outcome_from_string(std::string_view text) {
  for (const auto& [value, name] : k_outcomes)
    if (name == text) return value;
  return Outcome::ok;
}

UsageSource usage_source_from_string(std::string_view text) {
  for (const auto& [value, name] : k_sources)
    if (name == text) return value;
  return UsageSource::missing;
}

} // namespace llmgw::core
