#pragma once
// /dashboard/api/providers: the configured providers with what the gateway learnt about them
// (cool-downs, benched keys). Key labels are env var names; no key value is ever in it.
#include "core/config/config.hpp"
#include "core/routing/health.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace llmgw::core::dashboard {

nlohmann::json providers_json(const config::Config& config, const std::vector<routing::HealthEntry>& health,
                              int64_t now_ms);

} // namespace llmgw::core::dashboard
