// Checks the team_nginx scenario's outcome (run_e2e.sh, team_nginx.sh). Usage:
//   node check_team.mjs USAGE_JSON ROWS_JSONL ACCESS_LOG FAKE_LOG --instances N
//        --user NAME=COUNT|NAME=+ ... --refused N
// USAGE_JSON: `llmgw usage --by user --json` of the shared store; ROWS_JSONL: `llmgw log --json`;
// ACCESS_LOG: nginx's, one "UPSTREAM_ADDR STATUS URI" line per request; FAKE_LOG: what reached
// the fake provider. --user NAME=COUNT: NAME made exactly COUNT requests (NAME=+: at least one);
// --refused N: N requests carried the gateway token and were refused with 401.
// Every answered request is one ledger row with its key's user and its model's cost, every row
// one request the provider got; the users' rows and the refused ones add up to what nginx passed
// on; each of the N instances behind nginx answered some.
import { readFileSync } from "node:fs";
import { expected_cost_pico, k_ledger_usage } from "./expect.mjs";

const [usage_file, rows_file, access_file, fake_file, ...args] = process.argv.slice(2);
const users = new Map(); // name -> exact count, or "+" for at least one
let instances = 0, refused = 0;
for (let i = 0; i < args.length; i += 2) {
  const [flag, value] = [args[i], args[i + 1]];
  if (flag === "--instances") instances = Number(value);
  else if (flag === "--refused") refused = Number(value);
  else if (flag === "--user") {
    const [name, count] = value.split("=");
    users.set(name, count === "+" ? "+" : Number(count));
  } else throw new Error(`unknown option ${flag}`);
}

const lines = (file) => readFileSync(file, "utf8").split("\n").filter((line) => line.trim());
const failures = [];
const expect = (condition, what) => { if (!condition) failures.push(what); };

const rows = lines(rows_file).map((line) => JSON.parse(line));
const usage = JSON.parse(readFileSync(usage_file, "utf8"));
const fake_requests = lines(fake_file).length;
const access = lines(access_file).map((line) => line.split(" "));

// The ledger: the answered rows are exactly the provider's requests, each once (distinct ids),
// each with its key's user and the cost of the fake's usage at its model's price.
const answered = rows.filter((row) => row.http_status === 200);
const refused_rows = rows.filter((row) => row.http_status === 401);
expect(new Set(rows.map((row) => row.id)).size === rows.length, "a ledger row id appears twice");
expect(answered.length === fake_requests, `${answered.length} answered rows, the provider got ${fake_requests} requests`);
expect(refused_rows.length === refused, `${refused_rows.length} refused rows, want ${refused}`);
expect(rows.length === answered.length + refused_rows.length, "rows other than answered and refused ones");
for (const row of refused_rows) expect(row.user === "" && row.cost_usd_pico === 0, `refused row ${row.id} has a user or a cost`);
const want_cost = new Map(); // user -> summed expected cost
for (const row of answered) {
  expect(users.has(row.user), `row ${row.id} has user '${row.user}'`);
  const cost = expected_cost_pico(row.served_model, k_ledger_usage[row.provider] ?? {});
  expect(cost !== undefined && row.cost_usd_pico === cost, `row ${row.id} (${row.served_model}) costs ${row.cost_usd_pico}, want ${cost}`);
  want_cost.set(row.user, (want_cost.get(row.user) ?? 0) + (cost ?? 0));
}

// usage --by user: one line per user with that user's requests and cost; the refused ones under "".
const by_user = new Map(usage.rows.map((row) => [row.key, row]));
for (const [name, count] of users) {
  const row = by_user.get(name);
  const requests = row?.requests ?? 0;
  expect(count === "+" ? requests >= 1 : requests === count, `usage: ${name} made ${requests} requests, want ${count === "+" ? "1 or more" : count}`);
  expect(requests === answered.filter((r) => r.user === name).length, `usage: ${name}'s requests differ from the log's`);
  expect(row?.cost_usd_pico === want_cost.get(name), `usage: ${name} cost ${row?.cost_usd_pico}, want ${want_cost.get(name)}`);
  expect(row?.errors === 0, `usage: ${name} has ${row?.errors} errors`);
}
expect((by_user.get("")?.requests ?? 0) === refused, `usage: ${by_user.get("")?.requests ?? 0} requests without a user, want ${refused}`);
expect(usage.rows.length === users.size + (refused > 0 ? 1 : 0), `usage: ${usage.rows.length} lines, want ${users.size + (refused > 0 ? 1 : 0)}`);

// nginx: every request passed on once, spread over every instance.
const per_instance = new Map();
for (const [upstream] of access) per_instance.set(upstream, (per_instance.get(upstream) ?? 0) + 1);
expect(access.length === rows.length, `nginx passed on ${access.length} requests, the ledger has ${rows.length} rows`);
expect(access.every(([upstream]) => !upstream.includes(",")), "nginx tried some request on two instances");
expect(per_instance.size === instances, `nginx used ${per_instance.size} instances, want ${instances}`);

console.log(`    ${rows.length} rows (${answered.length} answered, ${refused_rows.length} refused); per user: ` +
            [...users.keys()].map((name) => `${name} ${by_user.get(name)?.requests ?? 0}`).join(", ") +
            `; per instance: ${[...per_instance.values()].join(", ")}`);
if (failures.length) {
  for (const failure of failures) console.error(`    FAIL ${failure}`);
  process.exit(1);
}
