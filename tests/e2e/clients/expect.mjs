// What the e2e tests expect back: the fake provider's fixed reply and usage numbers
// (tests/fake_upstream/e2e_handlers.hpp) and the bundled prices of the models the scenarios use
// (core/pricing/bundled_prices.cpp), so the ledger's cost can be checked to the pico-dollar.

// The text every e2e conversation ends with.
export const k_text = "E2E-OK";

// Anthropic usage of every fake reply; input excludes both cache counts.
export const k_anthropic_usage = { input_tokens: 100, cache_read_input_tokens: 50, cache_creation_input_tokens: 20, output_tokens: 10 };

// OpenAI usage of every fake reply (Chat and Responses); the prompt includes the cached tokens.
export const k_openai_usage = { prompt_tokens: 120, cached_tokens: 40, completion_tokens: 10 };

// Gemini usageMetadata of every fake reply: the prompt includes the cached tokens, candidates
// exclude the thoughts (which are billed as output).
export const k_gemini_usage = { prompt_tokens: 150, cached_tokens: 30, candidates_tokens: 10, thoughts_tokens: 25 };

// The ledger columns each provider's usage must land in, whatever API the client spoke.
export const k_ledger_usage = {
  anthropic: { input_uncached_tokens: 100, cache_read_tokens: 50, cache_write_5m_tokens: 20, cache_write_1h_tokens: 0, output_tokens: 10 },
  openai: { input_uncached_tokens: 80, cache_read_tokens: 40, cache_write_5m_tokens: 0, cache_write_1h_tokens: 0, output_tokens: 10 },
  // uncached = prompt - cached; output = candidates + thoughts; reasoning = thoughts (PROTOCOLS.md §6.4).
  gemini: { input_uncached_tokens: 120, cache_read_tokens: 30, cache_write_5m_tokens: 0, cache_write_1h_tokens: 0, output_tokens: 35, reasoning_tokens: 25 },
};

// What a client of each API must be told when the provider speaks another (PROTOCOLS.md §5.5):
// Chat usage (prompt includes every cached token) and Anthropic usage (input excludes them).
export const k_chat_usage_from = {
  anthropic: { prompt_tokens: 170, cached_tokens: 50, completion_tokens: 10 },
  openai: { prompt_tokens: 120, cached_tokens: 40, completion_tokens: 10 },
  gemini: { prompt_tokens: 150, cached_tokens: 30, completion_tokens: 35, reasoning_tokens: 25 },
};
export const k_anthropic_usage_from = {
  anthropic: { input_tokens: 100, cache_read_input_tokens: 50, cache_creation_input_tokens: 20, output_tokens: 10 },
  openai: { input_tokens: 80, cache_read_input_tokens: 40, cache_creation_input_tokens: 0, output_tokens: 10 },
  gemini: { input_tokens: 120, cache_read_input_tokens: 30, cache_creation_input_tokens: 0, output_tokens: 35 },
};

// List prices in micro-USD per million tokens, which is pico-USD per token.
const k_prices = {
  "gpt-4.1": { input: 2_000_000, output: 8_000_000, cache_read: 500_000, cache_write_5m: 0 },
  "gpt-5.1-codex": { input: 1_250_000, output: 10_000_000, cache_read: 125_000, cache_write_5m: 0 },
  "claude-sonnet-4-5": { input: 3_000_000, output: 15_000_000, cache_read: 300_000, cache_write_5m: 3_750_000 },
  "gemini-2.5-flash": { input: 300_000, output: 2_500_000, cache_read: 30_000, cache_write_5m: 0 },
};

// Expected cost_usd_pico of one ledger row of `model` with the fake's usage, or undefined when
// the model is not in the table above. Anthropic sonnet-4-5: 100*3e6 + 50*3e5 + 20*3.75e6 + 10*15e6
// = 540'000'000; gpt-4.1: 80*2e6 + 40*5e5 + 10*8e6 = 260'000'000; gemini-2.5-flash:
// 120*3e5 + 30*3e4 + 35*2.5e6 = 124'400'000.
export function expected_cost_pico(model, usage) {
  const price = k_prices[model];
  if (!price) return undefined;
  return usage.input_uncached_tokens * price.input + usage.cache_read_tokens * price.cache_read +
         usage.cache_write_5m_tokens * price.cache_write_5m + usage.output_tokens * price.output;
}

// Throws with `what` when `condition` is false.
export function check(condition, what) {
  if (!condition) throw new Error(`assertion failed: ${what}`);
}

// Throws unless actual === expected, showing both.
export function check_equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`assertion failed: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// Reads the gateway URL and token the harness exports; exits 2 when they are missing.
export function gateway_from_env() {
  const url = process.env.LLMGW_URL, token = process.env.LLMGW_TOKEN;
  if (!url || !token) {
    console.error("LLMGW_URL and LLMGW_TOKEN must be set (run through run_e2e.sh)");
    process.exit(2);
  }
  return { url, token };
}

// Runs the named steps in order, printing one line each; exits 1 on the first failure.
export async function run_steps(steps) {
  for (const [name, step] of steps) {
    const started = Date.now();
    try {
      await step();
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      console.error(`FAIL ${name}: ${error?.stack ?? error}`);
      if (error?.status) console.error(`  HTTP status ${error.status}, body: ${JSON.stringify(error.error ?? null)}`);
      process.exit(1);
    }
  }
}
