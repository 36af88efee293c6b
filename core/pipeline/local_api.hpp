#pragma once
// The loopback API the CLI calls on a running server (/llmgw/api/...): its status, the provider
// keys as the server sees them (set or missing, never a key nor a part of one), and "apply the
// settings the CLI just changed now". Only the gateway token opens it (virtual keys do not); the
// Host and Origin guard of endpoints.cpp runs before it.
#include "core/config/config.hpp"
#include "core/policy/keys.hpp"

#include <httplib.h>

#include <functional>
#include <string>
#include <vector>

namespace llmgw::core::pipeline {

class Services;

// What `llmgw serve` adds to the gateway for the loopback API; set before the server starts.
struct LocalApi {
  // Apply the keys, caps, limits and `llmgw use` overrides stored now, before returning; false
  // when the store could not be read.
  std::function<bool()> reload_settings;
  // More members of GET /llmgw/api/status, as the text of a JSON object (pid, start, paths).
  std::function<std::string()> status_fields;
};

// True for the paths the loopback API answers (GET status and providers, POST reload).
bool is_local_api_path(const std::string& path);

// Answer a request to the loopback API (401 without the gateway token, 405 for another method).
void serve_local_api(const Services& services, const httplib::Request& request, httplib::Response& response);

// A provider key that is llmgw's own gateway token or one of its virtual keys: sent upstream, it
// is refused (and tells the provider a llmgw secret).
struct KeyClash {
  std::string provider;
  std::string env;  // the variable that holds it
  std::string what; // "the gateway token" or "virtual key 'NAME'"
};
std::vector<KeyClash> provider_key_clashes(const config::Config& config, const std::string& token,
                                           const policy::KeyRing& keys);

// The providers and the state of each of their keys as JSON text (GET /llmgw/api/providers).
std::string providers_view_json(const config::Config& config, const std::string& token, const policy::KeyRing& keys);

} // namespace llmgw::core::pipeline
