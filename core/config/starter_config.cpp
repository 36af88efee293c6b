// The starter config.toml `llmgw init` writes. Prose lines start with "##"; example settings
// start with "# " so that uncommenting them gives a valid file (a unit test does exactly that).
#include "core/config/config.hpp"

namespace llmgw::core::config {
namespace {

constexpr const char* k_starter = R"toml(## llmgw configuration, written by `llmgw init`.
##
## Every setting is commented out and shows its built-in default: remove the "# " to change it.
## Precedence, lowest first: built-in defaults, this file, LLMGW_* environment variables
## (LLMGW_HOST, LLMGW_PORT, LLMGW_DEFAULT_PROVIDER, LLMGW_MAX_BODY_MB, LLMGW_THREADS,
## LLMGW_READ_TIMEOUT_SECONDS), command-line flags (--host, --port).
## `llmgw config show` prints every value and where it came from.
##
## Without any [providers.*] table llmgw infers them from the environment: `openai` when
## OPENAI_API_KEY is set, `anthropic` when ANTHROPIC_API_KEY is set, `ollama` when a server
## answers on 127.0.0.1:11434.

## Provider for model names that no provider lists and no [models] entry maps.
## Default: anthropic if configured, else openai, else ollama, else the first provider.
# default_provider = "anthropic"

[server]
## Address to listen on. Keep 127.0.0.1: the gateway is meant for this machine only.
# host = "127.0.0.1"
# port = 8787
## Largest request body accepted, in MiB.
# max_body_mb = 32
## Worker threads; 0 = automatic (enough for many concurrently open streams).
# threads = 0
## On Ctrl-C or SIGTERM, open streams get this long to finish.
# shutdown_grace_seconds = 10
## Timeouts towards providers: connecting, and silence within a response.
# connect_timeout_seconds = 10
# read_timeout_seconds = 600

[routing]
## A connection error, timeout, 408, 429, 5xx or 529 is retried while nothing reached the client:
## this many tries per deployment, waiting backoff_ms (doubled each retry, +-50% jitter) or the
## provider's retry-after up to max_retry_after_seconds (a longer one moves to the next
## deployment of the model's [models] list at once).
# attempts = 2
# backoff_ms = 200
# max_retry_after_seconds = 20
## A deployment failing cooldown_failures times within cooldown_window_seconds is skipped for
## cooldown_seconds while another deployment of the model remains, then probed by the next
## request (0 failures = never). `llmgw providers` shows what is cooling down.
# cooldown_failures = 3
# cooldown_window_seconds = 60
# cooldown_seconds = 30
## A provider key refused (401/403) or out of quota rests this long; the next key takes over.
# key_bench_seconds = 600
## Requests of one agent session stay on the deployment that served it (upstream prompt caches
## keep working) while it is healthy; forgotten after affinity_minutes without a request.
# session_affinity = true
# affinity_minutes = 60

[caps]
## Spend caps themselves are set with `llmgw cap set` (they live in the database, so a running
## server picks them up at once). A model with no price cannot be bounded by a cap: "refuse"
## it (402) while a cap applies, or "allow" it.
# unpriced = "refuse"
## Hard mode: end a running stream cleanly once its cost so far would take a cap past its limit.
# hard = false

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
#            { to = "openrouter/anthropic/claude-sonnet-4.5", weight = 1, key_env = "OPENROUTER_WORK_KEY" }]

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

} // namespace

std::string starter_config() {
  return k_starter;
}

} // namespace llmgw::core::config
