// Checks what reached the fake provider, from its --log file (one JSON line per request:
// method, path, query, headers with lowercased names, body). Usage:
//   node check_fake_log.mjs LOG [--min-requests N] [--requests N] [--path P] [--absent TEXT]...
//        [--present-in-headers TEXT] [--header NAME=VALUE]... [--no-header NAME]... [--stream-query PARAM]...
//        [--format anthropic|chat|responses|gemini] [--some-stream N] [--tool-result anthropic|responses|chat|gemini]
//        [--gemini-signature SIG]
// --path: every request went to P (or to one of P1|P2...); --absent: TEXT (the gateway token) appears nowhere;
// --present-in-headers: every request carries TEXT in some header (the provider key the gateway
// adds); --header: every request has header NAME equal to VALUE; --no-header: no request has NAME;
// --stream-query: every streaming request's query has the parameter PARAM (alt=sse); --format: every body has
// the shape of that API (and none of the others' top-level fields); --some-stream: at least N
// bodies ask for a stream (stream:true, or for Gemini the streamGenerateContent path);
// --tool-result: some request carries the output of the e2e tool call ("llmgw-e2e"), which proves
// the agent really ran the command and sent its result back through the gateway;
// --gemini-signature: some request replays a functionCall part, and every replayed functionCall
// part carries thoughtSignature SIG (the one the fake issued).
import { readFileSync } from "node:fs";

const k_tool_output = "llmgw-e2e";

function read_requests(file) {
  return readFileSync(file, "utf8").split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
}

function body_of(request) {
  try { return JSON.parse(request.body); } catch { return null; }
}

// Text of a tool result's content: a string or an array of blocks.
function content_text(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((block) => content_text(block?.text ?? block?.content ?? "")).join("");
  return "";
}

function anthropic_tool_outputs(body) {
  const outputs = [];
  for (const message of body?.messages ?? [])
    for (const block of Array.isArray(message.content) ? message.content : [])
      if (block?.type === "tool_result") outputs.push(content_text(block.content));
  return outputs;
}

function responses_tool_outputs(body) {
  const outputs = [];
  for (const item of Array.isArray(body?.input) ? body.input : [])
    if (item?.type === "function_call_output" || item?.type === "custom_tool_call_output")
      outputs.push(typeof item.output === "string" ? item.output : JSON.stringify(item.output));
  return outputs;
}

// Chat Completions: role "tool" messages (content a string or an array of text parts).
function chat_tool_outputs(body) {
  return (Array.isArray(body?.messages) ? body.messages : []).filter((m) => m?.role === "tool").map((m) => content_text(m.content));
}

// Gemini: functionResponse parts, whatever their response object holds.
function gemini_parts(body) {
  return (Array.isArray(body?.contents) ? body.contents : []).flatMap((c) => (Array.isArray(c?.parts) ? c.parts : []));
}

function gemini_tool_outputs(body) {
  return gemini_parts(body).filter((p) => p?.functionResponse).map((p) => JSON.stringify(p.functionResponse));
}

const k_extract = { anthropic: anthropic_tool_outputs, responses: responses_tool_outputs, chat: chat_tool_outputs, gemini: gemini_tool_outputs };

// Top-level fields that give a body away as another API's: a translation must not leak them.
const k_foreign = {
  anthropic: ["input", "instructions", "contents", "systemInstruction", "generationConfig", "stream_options", "max_completion_tokens"],
  chat: ["input", "instructions", "contents", "system", "systemInstruction", "generationConfig", "thinking", "stop_sequences", "context_management", "output_config"],
  responses: ["messages", "contents", "system", "systemInstruction", "generationConfig", "stream_options"],
  gemini: ["messages", "input", "instructions", "system", "stream", "stream_options", "max_tokens", "tool_choice"],
};

// What is wrong with body as a request of API format, or "".
function format_problem(format, body) {
  if (!body || typeof body !== "object") return "body is not a JSON object";
  const leaked = (k_foreign[format] ?? []).filter((key) => key in body);
  if (leaked.length) return `carries ${leaked.join(", ")}, not ${format} fields`;
  if (format === "anthropic") {
    if (typeof body.model !== "string" || !Array.isArray(body.messages) || typeof body.max_tokens !== "number") return "lacks model, messages or max_tokens";
    const roles = body.messages.map((m) => m?.role).filter((r) => !["user", "assistant", "system"].includes(r));
    if (roles.length) return `message roles ${JSON.stringify(roles)}`;
  } else if (format === "chat") {
    if (typeof body.model !== "string" || !Array.isArray(body.messages)) return "lacks model or messages";
    const roles = body.messages.map((m) => m?.role).filter((r) => !["system", "developer", "user", "assistant", "tool"].includes(r));
    if (roles.length) return `message roles ${JSON.stringify(roles)}`;
    const tools = (body.tools ?? []).filter((t) => t?.type !== "function" || typeof t?.function?.name !== "string");
    if (tools.length) return `tools not in Chat shape: ${JSON.stringify(tools).slice(0, 300)}`;
  } else if (format === "responses") {
    if (typeof body.model !== "string" || !("input" in body)) return "lacks model or input";
  } else if (format === "gemini") {
    if (!Array.isArray(body.contents) || !body.contents.length) return "lacks contents";
    const roles = body.contents.map((c) => c?.role).filter((r) => r !== undefined && !["user", "model"].includes(r));
    if (roles.length) return `content roles ${JSON.stringify(roles)}`;
  } else throw new Error(`unknown format ${format}`);
  return "";
}

function is_stream(request) {
  if (request.path.endsWith(":streamGenerateContent")) return true;
  return body_of(request)?.stream === true;
}

function main() {
  const [file, ...args] = process.argv.slice(2);
  const requests = read_requests(file);
  const problems = [];
  for (let i = 0; i < args.length; i += 2) {
    const option = args[i], value = args[i + 1];
    if (value === undefined) throw new Error(`option ${option} needs a value`);
    if (option === "--requests" && requests.length !== Number(value)) problems.push(`${requests.length} upstream requests, want ${value}`);
    else if (option === "--min-requests" && requests.length < Number(value)) problems.push(`${requests.length} upstream requests, want at least ${value}`);
    else if (option === "--path") {
      const paths = value.split("|");
      for (const r of requests) if (!paths.includes(r.path)) problems.push(`request to ${r.method} ${r.path}, want ${paths.join(" or ")}`);
    } else if (option === "--absent") {
      requests.forEach((r, n) => { if (JSON.stringify(r).includes(value)) problems.push(`request ${n + 1} (${r.path}) carries the gateway token upstream`); });
    } else if (option === "--present-in-headers") {
      requests.forEach((r, n) => {
        if (!Object.values(r.headers ?? {}).some((h) => String(h).includes(value))) problems.push(`request ${n + 1} (${r.path}) lacks the provider key in its headers`);
      });
    } else if (option === "--header") {
      const at = value.indexOf("=");
      const name = value.slice(0, at).toLowerCase(), want = value.slice(at + 1);
      requests.forEach((r, n) => { if (r.headers?.[name] !== want) problems.push(`request ${n + 1} (${r.path}) has ${name}: ${JSON.stringify(r.headers?.[name] ?? null)}, want ${JSON.stringify(want)}`); });
    } else if (option === "--no-header") {
      requests.forEach((r, n) => { if (r.headers?.[value.toLowerCase()] !== undefined) problems.push(`request ${n + 1} (${r.path}) carries header ${value}: ${r.headers[value.toLowerCase()]}`); });
    } else if (option === "--stream-query") {
      requests.forEach((r, n) => { if (is_stream(r) && !(r.query ?? "").split("&").includes(value)) problems.push(`request ${n + 1} (${r.path}) has query '${r.query}', want ${value} in it`); });
    } else if (option === "--format") {
      requests.forEach((r, n) => {
        const problem = format_problem(value, body_of(r));
        if (problem) problems.push(`request ${n + 1} (${r.path}) is not a ${value} request: ${problem}`);
      });
    } else if (option === "--some-stream") {
      const streamed = requests.filter(is_stream).length;
      if (streamed < Number(value)) problems.push(`${streamed} streaming upstream requests, want at least ${value}`);
    } else if (option === "--gemini-signature") {
      const calls = requests.flatMap((r) => gemini_parts(body_of(r)).filter((p) => p?.functionCall));
      if (!calls.length) problems.push("no request replays a functionCall part");
      for (const part of calls)
        if (part.thoughtSignature !== value)
          problems.push(`replayed functionCall ${part.functionCall?.name} has thoughtSignature ${JSON.stringify(part.thoughtSignature ?? null)}, want ${value}`);
    } else if (option === "--tool-result") {
      const extract = k_extract[value];
      if (!extract) throw new Error(`unknown tool result format ${value}`);
      const outputs = requests.flatMap((r) => extract(body_of(r)));
      if (!outputs.some((text) => text.includes(k_tool_output)))
        problems.push(`no ${value} tool result containing '${k_tool_output}' reached the provider; tool results seen: ${JSON.stringify(outputs).slice(0, 2000)}`);
    } else if (!["--requests", "--min-requests"].includes(option)) throw new Error(`unknown option ${option}`);
  }
  const listing = requests.map((r, n) => `  ${n + 1}. ${r.method} ${r.path}${r.query ? `?${r.query}` : ""} (${r.body.length} bytes)`).join("\n");
  if (problems.length) {
    console.error(`fake provider log check failed:\n${problems.map((p) => `  - ${p}`).join("\n")}\nrequests:\n${listing}`);
    process.exit(1);
  }
  console.log(`upstream ok: ${requests.length} request(s)\n${listing}`);
}

main();
