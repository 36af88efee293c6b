// `@anthropic-ai/sdk` through the gateway for the otel_traces scenario: one request carrying a
// W3C traceparent and tracestate (its trace must continue), one streamed request without (a new
// trace). Each names its session with a `session-id` header. LLMGW_TRACEPARENT gives the parent.
import Anthropic from "@anthropic-ai/sdk";
import { k_text, check_equal, gateway_from_env, run_steps } from "./expect.mjs";

const { url, token } = gateway_from_env();
const client = new Anthropic({ baseURL: url, apiKey: token, maxRetries: 0, timeout: 30_000 });
const params = { model: "claude-sonnet-4-5", max_tokens: 256, messages: [{ role: "user", content: "say hi" }] };

function text_of(message) {
  return message.content.filter((block) => block.type === "text").map((block) => block.text).join("");
}

async function with_parent() {
  const headers = { traceparent: process.env.LLMGW_TRACEPARENT, tracestate: "e2e=1", "session-id": "otel-with-parent" };
  const message = await client.messages.create(params, { headers });
  check_equal(text_of(message), k_text, "traced request text");
}

async function without_parent() {
  const stream = await client.messages.create({ ...params, stream: true }, { headers: { "session-id": "otel-new-trace" } });
  let text = "";
  for await (const event of stream)
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
  check_equal(text, k_text, "streamed text");
}

await run_steps([["traceparent continued", with_parent], ["new trace", without_parent]]);
