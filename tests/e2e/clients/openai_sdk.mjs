// The `openai` SDK against the gateway: Chat Completions and Responses, each streamed and not.
// Every call must come back with the fake's "E2E-OK" and its usage numbers. Six requests in all;
// run_e2e.sh then checks the six ledger rows.
import OpenAI from "openai";
import { k_text, k_openai_usage, check, check_equal, gateway_from_env, run_steps } from "./expect.mjs";

const { url, token } = gateway_from_env();
// maxRetries 0: a failing gateway must fail the test, not be retried into a pass.
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: token, maxRetries: 0, timeout: 30_000 });
const model = "gpt-4.1";
const messages = [{ role: "user", content: "say hi" }];

function check_chat_usage(usage, where) {
  check(usage, `${where}: usage present`);
  check_equal(usage.prompt_tokens, k_openai_usage.prompt_tokens, `${where}: usage.prompt_tokens`);
  check_equal(usage.completion_tokens, k_openai_usage.completion_tokens, `${where}: usage.completion_tokens`);
  check_equal(usage.prompt_tokens_details?.cached_tokens, k_openai_usage.cached_tokens, `${where}: cached_tokens`);
}

function check_responses_usage(usage, where) {
  check(usage, `${where}: usage present`);
  check_equal(usage.input_tokens, k_openai_usage.prompt_tokens, `${where}: usage.input_tokens`);
  check_equal(usage.output_tokens, k_openai_usage.completion_tokens, `${where}: usage.output_tokens`);
  check_equal(usage.input_tokens_details?.cached_tokens, k_openai_usage.cached_tokens, `${where}: cached_tokens`);
}

async function chat_plain() {
  const reply = await client.chat.completions.create({ model, messages });
  check_equal(reply.choices[0]?.message?.content, k_text, "chat reply text");
  check_chat_usage(reply.usage, "chat");
}

// Without stream_options the caller did not ask for usage. A gateway may add include_usage
// upstream to meter the stream, but must then drop the extra usage chunk: its empty `choices`
// breaks clients that read choices[0] of every chunk.
async function chat_stream_without_usage() {
  const stream = await client.chat.completions.create({ model, messages, stream: true });
  let text = "", chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    check(Array.isArray(chunk.choices) && chunk.choices.length > 0,
          `chunk ${chunks} has non-empty choices when include_usage was not asked: ${JSON.stringify(chunk)}`);
    check(chunk.usage == null, `chunk ${chunks} carries usage nobody asked for: ${JSON.stringify(chunk)}`);
    text += chunk.choices[0].delta?.content ?? "";
  }
  check_equal(text, k_text, "streamed chat text");
}

// With include_usage the last chunk is the usage chunk, with empty choices (OpenAI's shape).
async function chat_stream_with_usage() {
  const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
  let text = "", last = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    last = chunk;
  }
  check_equal(text, k_text, "streamed chat text (include_usage)");
  check(last && last.choices.length === 0, `last chunk is the usage chunk with empty choices: ${JSON.stringify(last)}`);
  check_chat_usage(last.usage, "chat stream usage chunk");
}

async function responses_plain() {
  const response = await client.responses.create({ model, input: "say hi", instructions: "answer briefly" });
  check_equal(response.output_text, k_text, "responses output_text");
  check_equal(response.status, "completed", "responses status");
  check_responses_usage(response.usage, "responses");
}

async function responses_stream() {
  const stream = await client.responses.create({ model, input: [{ role: "user", content: "say hi" }], stream: true });
  let text = "", completed = null;
  for await (const event of stream) {
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.completed") completed = event.response;
  }
  check_equal(text, k_text, "streamed responses text");
  check(completed, "response.completed event received");
  check_responses_usage(completed.usage, "responses stream");
}

// The SDK's helper (stream:true underneath) that accumulates the events into a final response.
async function responses_stream_helper() {
  const stream = client.responses.stream({ model, input: "say hi" });
  const response = await stream.finalResponse();
  check_equal(response.output_text, k_text, "responses.stream() output_text");
  check_responses_usage(response.usage, "responses.stream()");
}

await run_steps([
  ["chat.completions non-streaming", chat_plain],
  ["chat.completions streaming, no stream_options", chat_stream_without_usage],
  ["chat.completions streaming, include_usage", chat_stream_with_usage],
  ["responses non-streaming", responses_plain],
  ["responses streaming", responses_stream],
  ["responses.stream() helper", responses_stream_helper],
]);
