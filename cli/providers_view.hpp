#pragma once
// The providers and the state of their keys for `llmgw providers` and `llmgw config show`: as the
// running server sees them (its loopback API), else as this shell sees them, labelled so.
#include "cli/common.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace llmgw::cli {

struct ProviderLine {
  std::string name, kind, base_url;
  bool is_default = false;
  std::string key_text;                          // "ANTHROPIC_API_KEY set", "2 keys, 1 set", "none needed"
  bool key_present = false;                      // a key it can use (or none needed)
  nlohmann::json keys = nlohmann::json::array(); // [{env, state}]: set, missing, gateway token, virtual key
};

struct ProvidersView {
  bool server = false; // from the running server's API
  std::string source;  // one line saying whose view this is
  std::string db_path; // the database of that server, else the CLI's
  std::vector<ProviderLine> providers;
};

ProvidersView providers_view(const GlobalOptions& options);

// The lines of a /llmgw/api/providers answer (core/pipeline/local_api.hpp).
std::vector<ProviderLine> provider_lines(const nlohmann::json& answer);

} // namespace llmgw::cli
