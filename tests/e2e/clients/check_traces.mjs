// Checks what llmgw exported to otlp_collector.mjs in the otel_traces scenario against the ledger
// rows (`llmgw log --json`). Protobuf bodies are decoded with the official OpenTelemetry JS
// definitions (@opentelemetry/otlp-transformer's generated ExportTraceServiceRequest); JSON bodies
// are checked against the same message with its verify(). Usage:
//   node check_traces.mjs EXPORT_DIR ROWS_FILE --protocol protobuf|json --traceparent TP --auth VALUE
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { check, check_equal } from "./expect.mjs";

const require = createRequire(import.meta.url);
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const k_kind = { server: 2, client: 3 };

const [dir, rows_file, ...rest] = process.argv.slice(2);
const options = {};
for (let i = 0; i < rest.length; i += 2) options[rest[i].replace(/^--/, "")] = rest[i + 1];

const hex_of_base64 = (text) => (text ? Buffer.from(text, "base64").toString("hex") : undefined);

// One export as OTLP/JSON-shaped objects (ids in hex, 64-bit integers as strings).
function decode(body, protocol) {
  if (protocol === "protobuf") {
    const message = Request.toObject(Request.decode(body), { longs: String, enums: Number, bytes: String });
    for (const resource of message.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? [])
        for (const span of scope.spans ?? [])
          for (const field of ["traceId", "spanId", "parentSpanId"]) span[field] = hex_of_base64(span[field]);
    return message;
  }
  const message = JSON.parse(body.toString("utf8"));
  // The JSON mapping writes ids in hex where proto3 JSON has base64: convert them for verify().
  const copy = structuredClone(message);
  for (const resource of copy.resourceSpans ?? [])
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? [])
        for (const field of ["traceId", "spanId", "parentSpanId"])
          if (span[field]) span[field] = Buffer.from(span[field], "hex").toString("base64");
  const problem = Request.verify(Request.fromObject(copy));
  check(problem === null, `JSON export is a valid ExportTraceServiceRequest (${problem})`);
  return message;
}

function attributes_of(span) {
  const out = {};
  for (const { key, value } of span.attributes ?? []) {
    if ("stringValue" in value) out[key] = value.stringValue;
    else if ("intValue" in value) out[key] = Number(value.intValue);
    else if ("doubleValue" in value) out[key] = value.doubleValue;
    else if ("boolValue" in value) out[key] = value.boolValue;
  }
  return out;
}

const rows = readFileSync(rows_file, "utf8").split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
const spans = [];
const exports = readdirSync(dir).filter((name) => name.endsWith(".bin")).sort();
check(exports.length > 0, "the collector received an export");
for (const name of exports) {
  const meta = JSON.parse(readFileSync(`${dir}/${name.replace(/\.bin$/, ".json")}`, "utf8"));
  const expected_type = options.protocol === "protobuf" ? "application/x-protobuf" : "application/json";
  check_equal(meta.content_type, expected_type, `${name}: content type`);
  check_equal(meta.authorization, options.auth, `${name}: the configured header`);
  const message = decode(readFileSync(`${dir}/${name}`), options.protocol);
  for (const resource of message.resourceSpans) {
    check_equal(attributes_of(resource.resource)["service.name"], "llmgw", `${name}: service.name`);
    for (const scope of resource.scopeSpans) spans.push(...scope.spans);
  }
}
check_equal(spans.length, 2 * rows.length, "one server and one client span per ledger row");

const [, parent_trace, parent_span] = options.traceparent.split("-");
for (const row of rows) {
  const where = `session ${row.session_id}`;
  const server = spans.find((span) => span.kind === k_kind.server && attributes_of(span)["session.id"] === row.session_id);
  check(server, `${where}: a server span`);
  const attributes = attributes_of(server);
  check_equal(server.name, `POST ${row.endpoint}`, `${where}: span name`);
  check_equal(attributes["gen_ai.conversation.id"], row.session_id, `${where}: gen_ai.conversation.id`);
  check_equal(attributes["gen_ai.provider.name"], "anthropic", `${where}: gen_ai.provider.name`);
  check_equal(attributes["gen_ai.request.model"], row.requested_model, `${where}: gen_ai.request.model`);
  check_equal(attributes["gen_ai.response.model"], row.served_model, `${where}: gen_ai.response.model`);
  check_equal(attributes["llmgw.outcome"], row.outcome, `${where}: llmgw.outcome`);
  check_equal(attributes["llmgw.provider"], row.provider, `${where}: llmgw.provider`);
  check_equal(attributes["llmgw.agent"], row.agent, `${where}: llmgw.agent`);
  check_equal(attributes["llmgw.streamed"], Boolean(row.streamed), `${where}: llmgw.streamed`);
  check_equal(attributes["http.response.status_code"], row.http_status, `${where}: status`);
  check(Math.abs(attributes["llmgw.cost_usd"] - row.cost_usd_pico / 1e12) < 1e-12, `${where}: llmgw.cost_usd`);
  check_equal(server.startTimeUnixNano, String(BigInt(row.started_at_ms) * 1000000n), `${where}: start time`);
  check(server.status?.code === undefined || server.status.code === 0, `${where}: status unset on success`);

  const clients = spans.filter((span) => span.parentSpanId === server.spanId);
  check_equal(clients.length, 1, `${where}: one client span`);
  const [client] = clients;
  const usage = attributes_of(client);
  check_equal(client.kind, k_kind.client, `${where}: client kind`);
  check_equal(client.traceId, server.traceId, `${where}: the client span is in the request's trace`);
  check_equal(client.name, `chat ${row.served_model}`, `${where}: client span name`);
  const input = row.input_uncached_tokens + row.cache_read_tokens + row.cache_write_5m_tokens + row.cache_write_1h_tokens;
  check_equal(usage["gen_ai.usage.input_tokens"], input, `${where}: input tokens`);
  check_equal(usage["gen_ai.usage.output_tokens"], row.output_tokens, `${where}: output tokens`);
  check_equal(usage["gen_ai.usage.cache_read.input_tokens"], row.cache_read_tokens, `${where}: cache read tokens`);
  check_equal(usage["gen_ai.usage.cache_creation.input_tokens"], row.cache_write_5m_tokens + row.cache_write_1h_tokens,
              `${where}: cache creation tokens`);

  if (row.session_id === "otel-with-parent") {
    check_equal(server.traceId, parent_trace, `${where}: the client's trace continues`);
    check_equal(server.parentSpanId, parent_span, `${where}: the client's span is the parent`);
    check_equal(server.traceState, "e2e=1", `${where}: tracestate`);
  } else {
    check(server.traceId !== parent_trace && /^[0-9a-f]{32}$/.test(server.traceId), `${where}: a new trace id`);
    check(!server.parentSpanId, `${where}: a root span`);
  }
}
console.log(`ok   ${spans.length} spans in ${exports.length} export(s) match ${rows.length} ledger rows (${options.protocol})`);
