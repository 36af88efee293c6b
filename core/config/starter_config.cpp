// The starter config.toml `llmgw init` writes. Prose lines start with "##"; example settings
// start with "# " so that uncommenting them gives a valid file (a unit test does exactly that).
// The scalar keys come from config_keys(); the tables with structure are written out below.
#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace llmgw::core::config {
namespace {

// Said before the keys: how the file works (the variables and flags it lists come from the table).
constexpr std::string_view k_title = "llmgw configuration, written by `llmgw init`.";
constexpr std::string_view k_how =
    "Every setting is commented out and shows its built-in default: remove the \"# \" to change it.";
constexpr std::string_view k_inference =
    "Without any [providers.*] table llmgw infers them from the environment: `openai` when OPENAI_API_KEY "
    "is set, `anthropic` when ANTHROPIC_API_KEY is set, `ollama` when a server answers on 127.0.0.1:11434.";

// Prose said once before the keys of a section.
struct SectionIntro {
  std::string_view section;
  std::string_view text;
};
constexpr SectionIntro k_section_intros[] = {
    {"routing", "A try that fails before anything reached the client (connection error, timeout, 408, 429, "
                "5xx, 529) is retried, then the next deployment of the model's [models] list takes over."},
    {"caps", "Spend caps themselves are set with `llmgw cap set`: they live in the database, so a running "
             "server picks them up at once."},
};

// The tables with structure, as examples to uncomment.
constexpr const char* k_structured = R"toml(
## Providers. Keys never go in this file: api_key_env names the environment variable that
## holds the key. Well-known names (openai, anthropic, gemini, openrouter, deepseek, groq,
## mistral, ollama, vllm, llamacpp) need no other field; azure and any other name need base_url.
## Any client reaches any provider: requests are translated when the provider speaks another API
## (Claude Code on GPT, Gemini or a local model; Codex on Claude).
##   kind        "openai", "anthropic", "gemini", "azure" or "openai_compatible" (default for
##               unknown names)
##   base_url    OpenAI kinds include /v1; Anthropic and Gemini do not
##   api_key_env environment variable holding the key ("" = no key, e.g. a local server)
##   auth        "key" (default) sends the key above; "client" forwards the client's own
##               credentials, e.g. a Claude Code subscription login
##   models      model names this provider serves (routing and GET /v1/models)
##   responses_api  OpenAI kinds: the server has POST /responses (default: true for openai and
##               azure, false otherwise: Codex's Responses requests are translated to Chat)
##   api_version Azure: use deployment URLs with this api-version ("" = the v1 API)
##   deployments Azure: { "model" = "deployment name" } (default: the model name)

# [providers.anthropic]
# kind = "anthropic"
# base_url = "https://api.anthropic.com"
# api_key_env = "ANTHROPIC_API_KEY"
# auth = "key"
# models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"]

# [providers.openai]
# base_url = "https://api.openai.com/v1"
# api_key_env = "OPENAI_API_KEY"
# models = ["gpt-5", "gpt-5-mini", "gpt-5.1-codex"]
## Several keys: api_key_env = ["OPENAI_API_KEY", "OPENAI_API_KEY_2"] takes them in turn
## (key_strategy "round_robin") or the one unused longest ("least_recent"); a key refused
## (401/403) or out of quota is benched and the next one used.
# key_strategy = "round_robin"

# [providers.gemini]
# base_url = "https://generativelanguage.googleapis.com"
# api_key_env = "GEMINI_API_KEY"
# models = ["gemini-2.5-pro", "gemini-2.5-flash"]

# [providers.azure]
# base_url = "https://YOUR-RESOURCE.openai.azure.com/openai"
# api_key_env = "AZURE_OPENAI_API_KEY"
# api_version = "2024-10-21"
# deployments = { "gpt-4.1" = "my-gpt41-deployment" }

# [providers.openrouter]
# base_url = "https://openrouter.ai/api/v1"
# api_key_env = "OPENROUTER_API_KEY"
# models = ["anthropic/claude-sonnet-4.5", "deepseek/deepseek-chat"]

# [providers.deepseek]
# base_url = "https://api.deepseek.com/v1"
# api_key_env = "DEEPSEEK_API_KEY"
# models = ["deepseek-chat", "deepseek-reasoner"]

# [providers.ollama]
# base_url = "http://127.0.0.1:11434/v1"
# api_key_env = ""
# models = ["qwen2.5-coder:7b"]

## A server that is not well known: kind and base_url are needed.
# [providers.work-proxy]
# kind = "openai_compatible"
# base_url = "https://llm.example.internal/v1"
# api_key_env = "WORK_PROXY_KEY"

[models]
## Client model name = "provider/upstream model". The first "/" separates the provider, so
## OpenRouter ids keep theirs.
# "cheap" = "deepseek/deepseek-chat"
# "sonnet-via-openrouter" = "openrouter/anthropic/claude-sonnet-4.5"
## A list is the first deployment, then fallbacks tried in order when it fails:
# "deepseek-chat" = ["deepseek/deepseek-chat", "openrouter/deepseek/deepseek-chat"]
## An entry may carry a weight (the first try is drawn by weight) and its own key:
# "smart" = [{ to = "anthropic/claude-sonnet-4-5", weight = 3 },
#            { to = "openrouter/anthropic/claude-sonnet-4.5", weight = 1, key_env = "OR_WORK_KEY" }]

## Route rules, first match wins, before [models]: every condition given must hold. model is a
## glob on the requested model; agent as `llmgw usage --by agent` names it; background = Claude
## Code's housekeeping calls (Haiku-class model, or a tool-less structured call); thinking =
## thinking/reasoning asked for; tools = tools declared; min_prompt_tokens = estimated prompt
## length. to = deployments, [models] names or provider names (the requested model sent there).
# [[routes]]
# agent = "claude-code"
# background = true
# to = ["ollama/qwen2.5-coder:7b"]
#
# [[routes]]
# min_prompt_tokens = 150000
# to = ["gemini/gemini-2.5-pro"]

## Price overrides in USD per million tokens; they replace the bundled price of the model.
## input and output are required; provider limits the entry to one provider.
## Example numbers only: check the provider's price page.
# [prices."deepseek-chat"]
# provider = "deepseek"
# input = 0.28
# output = 0.42
# cache_read = 0.028
# cache_write_5m = 0.28
# cache_write_1h = 0.28
# max_input_tokens = 131072
# max_output_tokens = 8192
)toml";

constexpr size_t k_width = 98; // "## " prose lines wrap before this column

// One paragraph as "## " comment lines, wrapped before k_width.
std::string prose(std::string_view paragraph) {
  std::string out, line = "##";
  for (size_t at = 0; at < paragraph.size();) {
    const size_t end = std::min(paragraph.find(' ', at), paragraph.size());
    const std::string_view word = paragraph.substr(at, end - at);
    if (line.size() > 2 && line.size() + 1 + word.size() > k_width) {
      out += line + "\n";
      line = "##";
    }
    line += " " + std::string(word);
    at = end + 1;
  }
  return out + line + "\n";
}

// "LLMGW_HOST, LLMGW_PORT, ..." or "--host, --port, ...": the env vars or flags of the table.
std::string listed(std::string_view ConfigKey::*column) {
  std::string out;
  for (const auto& key : config_keys())
    if (!(key.*column).empty()) out += (out.empty() ? "" : ", ") + std::string(key.*column);
  return out;
}

std::string precedence() {
  return "Precedence, lowest first: built-in defaults, this file, LLMGW_* environment variables (" +
         listed(&ConfigKey::env) + "), flags of `llmgw serve` (" + listed(&ConfigKey::flag) +
         "). `llmgw config show` prints every value and where it came from.";
}

// The keys of `section`, each with its doc and its default (or example) commented out.
std::string section_keys(std::string_view section) {
  std::string out;
  if (!section.empty()) out += "\n[" + std::string(section) + "]\n";
  for (const auto& intro : k_section_intros)
    if (intro.section == section) out += prose(intro.text);
  for (const auto& key : config_keys()) {
    if (key.section != section) continue;
    const KeyValue value = key.example.empty() ? key.default_value() : KeyValue{0, false, std::string(key.example)};
    out += prose(key.doc) + "# " + std::string(key.name) + " = " + toml_key_value(key, value) + "\n";
  }
  return out;
}

} // namespace

std::string starter_config() {
  std::string out =
      prose(k_title) + "##\n" + prose(std::string(k_how) + " " + precedence()) + "##\n" + prose(k_inference) + "\n";
  out += section_keys("");
  std::vector<std::string_view> sections;
  for (const auto& key : config_keys())
    if (!key.section.empty() && std::find(sections.begin(), sections.end(), key.section) == sections.end())
      sections.push_back(key.section);
  for (auto section : sections) out += section_keys(section);
  return out + k_structured;
}

} // namespace llmgw::core::config
