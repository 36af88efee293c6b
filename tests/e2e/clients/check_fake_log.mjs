// Checks what reached the fake provider, from its --log file (one JSON line per request:
// method, path, query, headers with lowercased names, body). Usage:
//   node check_fake_log.mjs LOG [--min-requests N] [--requests N] [--path P] [--absent TEXT]...
//        [--present-in-headers TEXT] [--tool-result anthropic|responses]
// --path: every request went to P; --absent: TEXT (the gateway token) appears nowhere;
// --present-in-headers: every request carries TEXT in some header (the provider key the gateway
// adds); --tool-result: some request carries the output of the e2e tool call ("llmgw-e2e"), which
// proves the agent really ran the command and sent its result back through the gateway.
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
      for (const r of requests) if (r.path !== value) problems.push(`request to ${r.method} ${r.path}, want ${value}`);
    } else if (option === "--absent") {
      requests.forEach((r, n) => { if (JSON.stringify(r).includes(value)) problems.push(`request ${n + 1} (${r.path}) carries the gateway token upstream`); });
    } else if (option === "--present-in-headers") {
      requests.forEach((r, n) => {
        if (!Object.values(r.headers ?? {}).some((h) => String(h).includes(value))) problems.push(`request ${n + 1} (${r.path}) lacks the provider key in its headers`);
      });
    } else if (option === "--tool-result") {
      const extract = value === "anthropic" ? anthropic_tool_outputs : responses_tool_outputs;
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
