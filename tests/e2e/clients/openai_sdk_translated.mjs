// The `openai` SDK against the gateway when the provider behind it speaks another API
// (E2E_UPSTREAM: anthropic or gemini), so every call is translated both ways. Chat Completions
// plain, streamed with and without include_usage, a tool round trip plain and streamed, then
// Responses plain and streamed: 9 requests. Each must come back with the fake's "E2E-OK" (or its
// tool call) in OpenAI's exact shape and with the provider's usage translated (PROTOCOLS.md §5.5).
import OpenAI from "openai";
import { k_text, k_chat_usage_from, check, check_equal, gateway_from_env, run_steps } from "./expect.mjs";

const { url, token } = gateway_from_env();
const upstream = process.env.E2E_UPSTREAM;
const model = process.env.E2E_MODEL;
if (!k_chat_usage_from[upstream] || !model) {
  console.error("E2E_UPSTREAM (anthropic or gemini) and E2E_MODEL must be set (run through run_e2e.sh)");
  process.exit(2);
}
const want = k_chat_usage_from[upstream];
// maxRetries 0: a failing gateway must fail the test, not be retried into a pass.
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: token, maxRetries: 0, timeout: 30_000 });
const messages = [{ role: "user", content: "say hi" }];
const k_command = "echo llmgw-e2e";
const tools = [{
  type: "function",
  function: {
    name: "shell",
    description: "Runs a shell command and returns its output.",
    parameters: { type: "object", properties: { command: { type: "string", description: "the command" } }, required: ["command"] },
  },
}];
const tool_prompt = [{ role: "user", content: "run echo llmgw-e2e with the shell tool" }];

function check_chat_usage(usage, where) {
  check(usage, `${where}: usage present`);
  check_equal(usage.prompt_tokens, want.prompt_tokens, `${where}: usage.prompt_tokens`);
  check_equal(usage.completion_tokens, want.completion_tokens, `${where}: usage.completion_tokens`);
  check_equal(usage.total_tokens, want.prompt_tokens + want.completion_tokens, `${where}: usage.total_tokens`);
  check_equal(usage.prompt_tokens_details?.cached_tokens, want.cached_tokens, `${where}: cached_tokens`);
  if (want.reasoning_tokens !== undefined)
    check_equal(usage.completion_tokens_details?.reasoning_tokens, want.reasoning_tokens, `${where}: reasoning_tokens`);
}

function check_responses_usage(usage, where) {
  check(usage, `${where}: usage present`);
  check_equal(usage.input_tokens, want.prompt_tokens, `${where}: usage.input_tokens`);
  check_equal(usage.output_tokens, want.completion_tokens, `${where}: usage.output_tokens`);
  check_equal(usage.input_tokens_details?.cached_tokens, want.cached_tokens, `${where}: cached_tokens`);
}

// The fake calls the shell tool with {"command": "echo llmgw-e2e"}.
function check_tool_call(call, where) {
  check(call, `${where}: a tool call`);
  check(typeof call.id === "string" && call.id.length > 0, `${where}: tool call id ${JSON.stringify(call.id)}`);
  check_equal(call.type, "function", `${where}: tool call type`);
  check_equal(call.function?.name, "shell", `${where}: tool name`);
  let args;
  try { args = JSON.parse(call.function.arguments); } catch { throw new Error(`${where}: arguments are not JSON: ${call.function.arguments}`); }
  check_equal(args.command, k_command, `${where}: arguments.command`);
}

// Reads a chat stream: text, tool calls assembled by index, finish reason, chunks.
async function read_chat_stream(stream) {
  const result = { text: "", calls: [], finish: null, chunks: [] };
  for await (const chunk of stream) {
    result.chunks.push(chunk);
    const choice = chunk.choices[0];
    if (!choice) continue;
    result.text += choice.delta?.content ?? "";
    for (const fragment of choice.delta?.tool_calls ?? []) {
      check(Number.isInteger(fragment.index), `tool_calls fragment without index: ${JSON.stringify(chunk)}`);
      const call = (result.calls[fragment.index] ??= { id: "", type: "", function: { name: "", arguments: "" } });
      if (fragment.id) call.id = fragment.id;
      if (fragment.type) call.type = fragment.type;
      if (fragment.function?.name) call.function.name += fragment.function.name;
      call.function.arguments += fragment.function?.arguments ?? "";
    }
    if (choice.finish_reason) result.finish = choice.finish_reason;
  }
  return result;
}

async function chat_plain() {
  const reply = await client.chat.completions.create({ model, messages });
  check_equal(reply.object, "chat.completion", "object");
  check_equal(reply.choices[0]?.message?.role, "assistant", "chat reply role");
  check_equal(reply.choices[0]?.message?.content, k_text, "chat reply text");
  check_equal(reply.choices[0]?.finish_reason, "stop", "chat finish_reason");
  check_chat_usage(reply.usage, "chat");
}

// No stream_options: no usage chunk (its empty choices break clients that read choices[0]).
async function chat_stream_without_usage() {
  const stream = await client.chat.completions.create({ model, messages, stream: true });
  const result = await read_chat_stream(stream);
  result.chunks.forEach((chunk, n) => {
    check(chunk.choices.length > 0, `chunk ${n + 1} has empty choices when include_usage was not asked: ${JSON.stringify(chunk)}`);
    check(chunk.usage == null, `chunk ${n + 1} carries usage nobody asked for: ${JSON.stringify(chunk)}`);
  });
  check_equal(result.text, k_text, "streamed chat text");
  check_equal(result.finish, "stop", "streamed finish_reason");
}

async function chat_stream_with_usage() {
  const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
  const result = await read_chat_stream(stream);
  const last = result.chunks.at(-1);
  check_equal(result.text, k_text, "streamed chat text (include_usage)");
  check_equal(result.finish, "stop", "streamed finish_reason (include_usage)");
  check(last && last.choices.length === 0, `last chunk is the usage chunk with empty choices: ${JSON.stringify(last)}`);
  check_chat_usage(last.usage, "chat stream usage chunk");
}

// The tool call, then the tool's output sent back: the provider answers "E2E-OK".
async function chat_tool_round_trip() {
  const first = await client.chat.completions.create({ model, messages: tool_prompt, tools });
  const message = first.choices[0]?.message;
  check_equal(first.choices[0]?.finish_reason, "tool_calls", "tool turn finish_reason");
  check_equal(message?.tool_calls?.length, 1, "one tool call");
  check_tool_call(message.tool_calls[0], "tool turn");
  check_chat_usage(first.usage, "tool turn");
  const second = await client.chat.completions.create({
    model, tools,
    messages: [...tool_prompt, message, { role: "tool", tool_call_id: message.tool_calls[0].id, content: "llmgw-e2e" }],
  });
  check_equal(second.choices[0]?.message?.content, k_text, "text after the tool result");
  check_equal(second.choices[0]?.finish_reason, "stop", "finish_reason after the tool result");
}

async function chat_tool_round_trip_streamed() {
  const stream_options = { include_usage: true };
  const first = await read_chat_stream(
    await client.chat.completions.create({ model, messages: tool_prompt, tools, stream: true, stream_options }));
  check_equal(first.finish, "tool_calls", "streamed tool turn finish_reason");
  check_equal(first.calls.length, 1, "one streamed tool call");
  check_tool_call(first.calls[0], "streamed tool turn");
  check_chat_usage(first.chunks.at(-1)?.usage, "streamed tool turn usage chunk");
  const call = first.calls[0];
  const second = await read_chat_stream(await client.chat.completions.create({
    model, tools, stream: true, stream_options,
    messages: [...tool_prompt, { role: "assistant", content: null, tool_calls: [call] },
               { role: "tool", tool_call_id: call.id, content: "llmgw-e2e" }],
  }));
  check_equal(second.text, k_text, "streamed text after the tool result");
  check_equal(second.finish, "stop", "streamed finish_reason after the tool result");
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

await run_steps([
  ["chat.completions non-streaming", chat_plain],
  ["chat.completions streaming, no stream_options", chat_stream_without_usage],
  ["chat.completions streaming, include_usage", chat_stream_with_usage],
  ["chat.completions tool round trip", chat_tool_round_trip],
  ["chat.completions tool round trip, streaming", chat_tool_round_trip_streamed],
  ["responses non-streaming", responses_plain],
  ["responses streaming", responses_stream],
]);
