// `@anthropic-ai/sdk` against the gateway: messages.create plain and with stream:true, and the
// messages.stream() helper. SDK 1.x sends the key as `Authorization: Bearer` and
// `anthropic-version: 2026-10-21` (CLIENTS.md §2); the gateway must take both. Three requests.
import Anthropic from "@anthropic-ai/sdk";
import { k_text, k_anthropic_usage, check, check_equal, gateway_from_env, run_steps } from "./expect.mjs";

const { url, token } = gateway_from_env();
// The root URL, no /v1: the SDK appends /v1/messages itself, like Claude Code.
const client = new Anthropic({ baseURL: url, apiKey: token, maxRetries: 0, timeout: 30_000 });
const params = { model: "claude-sonnet-4-5", max_tokens: 256, system: "answer briefly", messages: [{ role: "user", content: "say hi" }] };

function check_usage(usage, where) {
  check(usage, `${where}: usage present`);
  for (const [field, value] of Object.entries(k_anthropic_usage))
    check_equal(usage[field], value, `${where}: usage.${field}`);
}

function text_of(message) {
  return message.content.filter((block) => block.type === "text").map((block) => block.text).join("");
}

async function create_plain() {
  const message = await client.messages.create(params);
  check_equal(text_of(message), k_text, "messages.create text");
  check_equal(message.stop_reason, "end_turn", "stop_reason");
  check_usage(message.usage, "messages.create");
}

// Raw events: message_start carries the input side of usage, message_delta the final counts.
async function create_stream() {
  const stream = await client.messages.create({ ...params, stream: true });
  let text = "", start_usage = null, delta_usage = null, stopped = false;
  for await (const event of stream) {
    if (event.type === "message_start") start_usage = event.message.usage;
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    if (event.type === "message_delta") delta_usage = event.usage;
    if (event.type === "message_stop") stopped = true;
  }
  check_equal(text, k_text, "streamed text");
  check(stopped, "message_stop received");
  check_equal(start_usage?.input_tokens, k_anthropic_usage.input_tokens, "message_start usage.input_tokens");
  check_equal(delta_usage?.output_tokens, k_anthropic_usage.output_tokens, "message_delta usage.output_tokens");
}

async function stream_helper() {
  const message = await client.messages.stream(params).finalMessage();
  check_equal(text_of(message), k_text, "messages.stream() text");
  check_usage(message.usage, "messages.stream()");
}

await run_steps([
  ["messages.create non-streaming", create_plain],
  ["messages.create stream:true", create_stream],
  ["messages.stream() helper", stream_helper],
]);
