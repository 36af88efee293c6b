// Checks the ledger rows of one e2e phase, as printed by `llmgw log --json` (one JSON object a
// line; see cli/cmd_log.cpp for the fields). Usage:
//   node check_ledger.mjs ROWS_FILE [--count N] [--min-count N] [--field NAME=V1|V2...]...
//        [--some NAME=VALUE:N]... [--nonempty NAME]... [--usage anthropic|openai|gemini] [--priced]
// --field: every row's NAME is one of the values; --some: at least N rows have NAME=VALUE;
// --usage: every row carries the fake provider's token counts (normalised: the ledger keeps
// uncached input, cache read/write and output, whatever API the provider spoke); --priced: every
// row's cost is the exact list price of its model (served_model, else requested_model) for those
// counts. Exits 1 with the rows printed on any mismatch.
import { readFileSync } from "node:fs";
import { k_ledger_usage, expected_cost_pico } from "./expect.mjs";

// Booleans and 0/1 compare equal, so `--field streamed=1` works whichever the CLI prints.
function normalise(value) {
  if (value === true || value === "true") return "1";
  if (value === false || value === "false") return "0";
  return String(value);
}

function parse_args(argv) {
  const spec = { file: argv[0], fields: [], some: [], nonempty: [], count: null, min_count: null, usage: null, priced: false };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i], value = argv[i + 1];
    if (arg === "--priced") { spec.priced = true; continue; }
    if (value === undefined) throw new Error(`option ${arg} needs a value`);
    i++;
    if (arg === "--count") spec.count = Number(value);
    else if (arg === "--min-count") spec.min_count = Number(value);
    else if (arg === "--usage") {
      if (!k_ledger_usage[value]) throw new Error(`unknown usage kind ${value}`);
      spec.usage = value;
    }
    else if (arg === "--nonempty") spec.nonempty.push(value);
    else if (arg === "--field") {
      const [name, values] = split_once(value, "=");
      spec.fields.push({ name, values: values.split("|") });
    } else if (arg === "--some") {
      const [name, rest] = split_once(value, "=");
      const at = rest.lastIndexOf(":");
      spec.some.push({ name, value: rest.slice(0, at), count: Number(rest.slice(at + 1)) });
    } else throw new Error(`unknown option ${arg}`);
  }
  return spec;
}

function split_once(text, separator) {
  const at = text.indexOf(separator);
  if (at < 0) throw new Error(`expected NAME${separator}VALUE, got '${text}'`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function read_rows(file) {
  return readFileSync(file, "utf8").split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
}

function row_problems(row, spec) {
  const problems = [];
  for (const { name, values } of spec.fields)
    if (!values.includes(normalise(row[name]))) problems.push(`${name}=${JSON.stringify(row[name])}, want ${values.join(" or ")}`);
  for (const name of spec.nonempty)
    if (row[name] === undefined || row[name] === null || row[name] === "") problems.push(`${name} is empty`);
  if (spec.usage) {
    for (const [name, value] of Object.entries(k_ledger_usage[spec.usage]))
      if (row[name] !== value) problems.push(`${name}=${row[name]}, want ${value}`);
  }
  if (spec.priced) {
    const model = row.served_model || row.requested_model;
    const want = expected_cost_pico(model, row);
    if (want === undefined) problems.push(`no expected price for model '${model}' in expect.mjs`);
    else if (row.unpriced || row.cost_usd_pico !== want || !(want > 0))
      problems.push(`cost_usd_pico=${row.cost_usd_pico} (unpriced=${row.unpriced}), want ${want} for ${model}`);
  }
  return problems;
}

function summary(row) {
  const tokens = `in ${row.input_uncached_tokens}+r${row.cache_read_tokens}+w${row.cache_write_5m_tokens} out ${row.output_tokens}` +
                 (row.reasoning_tokens ? ` (reasoning ${row.reasoning_tokens})` : "");
  return `#${row.id} ${row.agent} ${row.endpoint} ${row.provider}/${row.requested_model}->${row.served_model} ` +
         `streamed=${row.streamed} ${row.http_status} ${row.outcome} ${tokens} cost=${row.cost_usd_pico} ` +
         `session=${row.session_id || "-"}${row.error_message ? ` error=${JSON.stringify(row.error_message)}` : ""}`;
}

function main() {
  const spec = parse_args(process.argv.slice(2));
  const rows = read_rows(spec.file);
  const problems = [];
  if (spec.count !== null && rows.length !== spec.count) problems.push(`${rows.length} rows, want ${spec.count}`);
  if (spec.min_count !== null && rows.length < spec.min_count) problems.push(`${rows.length} rows, want at least ${spec.min_count}`);
  for (const { name, value, count } of spec.some) {
    const matching = rows.filter((row) => normalise(row[name]) === value).length;
    if (matching < count) problems.push(`${matching} rows with ${name}=${value}, want at least ${count}`);
  }
  for (const row of rows)
    for (const problem of row_problems(row, spec)) problems.push(`row #${row.id}: ${problem}`);
  const listing = rows.map((row) => `  ${summary(row)}`).join("\n");
  if (problems.length) {
    console.error(`ledger check failed:\n${problems.map((p) => `  - ${p}`).join("\n")}\nrows:\n${listing}`);
    process.exit(1);
  }
  console.log(`ledger ok: ${rows.length} row(s)\n${listing}`);
}

main();
