// The dashboard page (issue 17) in headless Chromium against the real gateway. Sends a known load
// (6 Chat requests: gpt-4.1 and gpt-4.1-mini from curl and the openai SDK, by user agent), signs
// in with a one-time link minted with the gateway token, opens every view and checks the numbers
// shown against the ledger (read with the sqlite3 CLI), watches a 7th request arrive in the live
// log, opens its detail, checks that a page of another origin cannot read the API, that nothing
// overflows at 390 px, and that the page logs no console error and no CSP violation.
//
//   LLMGW_URL=http://127.0.0.1:PORT LLMGW_TOKEN=... LLMGW_DB=path/to/ledger.db node dashboard.mjs
//
// run_e2e.sh (scenario dashboard) bounds it at 120 s; every wait here is bounded too.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { check, check_equal, gateway_from_env } from "./expect.mjs";

const { url, token } = gateway_from_env();
const db = process.env.LLMGW_DB;
check(db && fs.existsSync(db), "LLMGW_DB names the gateway's ledger");
const chromium_path = process.env.E2E_CHROMIUM || "/usr/bin/chromium";
const wait_ms = 15_000;
const agents_by_ua = { "curl/8.5.0": "curl", "OpenAI/JS 7.57.0": "openai-sdk" };
// [model, user agent, streamed]
const load = [
  ["gpt-4.1", "curl/8.5.0", false],
  ["gpt-4.1-mini", "curl/8.5.0", true],
  ["gpt-4.1", "curl/8.5.0", true],
  ["gpt-4.1-mini", "OpenAI/JS 7.57.0", false],
  ["gpt-4.1", "OpenAI/JS 7.57.0", false],
  ["gpt-4.1-mini", "OpenAI/JS 7.57.0", true],
];

function say(text) {
  console.log(`dashboard: ${text}`);
}

function close_to(actual, expected, what) {
  const ok = Number.isFinite(actual) && Math.abs(actual - expected) <= 1e-9 + 1e-9 * Math.abs(expected);
  check(ok, `${what}: page shows ${actual}, ledger says ${expected}`);
}

async function until(what, probe, ms = wait_ms) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// The load and the ledger

async function send([model, ua, stream]) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    // One session per agent (the generic session-id header): cache health lists sessions only.
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "user-agent": ua,
      "session-id": `e2e-${agents_by_ua[ua]}` },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "say hi" }] }),
    signal: AbortSignal.timeout(wait_ms),
  });
  const body = await res.text();
  check_equal(res.status, 200, `${model} from ${ua}: status (${body.slice(0, 200)})`);
}

function ledger() {
  const out = execFileSync("sqlite3", ["-readonly", "-json", db,
    "SELECT id, agent, session_id AS session, served_model AS model, provider, outcome, cost_usd_pico, " +
    "input_uncached_tokens, " +
    "cache_read_tokens, output_tokens FROM requests ORDER BY id"], { encoding: "utf8", timeout: 10_000 });
  return out.trim() ? JSON.parse(out) : [];
}

async function ledger_rows(count) {
  return until(`${count} ledger rows`, () => {
    const rows = ledger();
    return rows.length >= count ? rows : null;
  });
}

function totals(rows, key) {
  const by = new Map();
  for (const r of rows) {
    const t = by.get(r[key]) || { requests: 0, cost: 0 };
    t.requests += 1;
    t.cost += r.cost_usd_pico / 1e12;
    by.set(r[key], t);
  }
  return by;
}

// ---------------------------------------------------------------------------------------------
// The browser

const problems = [];
let page;

// Runs action, then waits until section #id has loaded (data-state ready), failing on error.
async function settle(id, action) {
  await page.evaluate((sid) => { document.getElementById(sid).dataset.state = ""; }, id);
  await action();
  const state = await until(`#${id} to load`, () => page.evaluate((sid) => {
    const s = document.getElementById(sid).dataset.state;
    return s === "ready" || s === "error" ? s : null;
  }, id));
  if (state === "error") throw new Error(`#${id} failed to load: ${await page.textContent("#banner")}`);
  check_equal(problems.length, 0, `console errors after loading #${id}: ${problems.join(" | ")}`);
}

async function go(view) {
  const id = "view-" + view.split("/")[0];
  await settle(id, () => page.evaluate((h) => {
    if (location.hash === h) window.dispatchEvent(new HashChangeEvent("hashchange"));
    else location.hash = h;
  }, "#/" + view));
}

async function value(selector) {
  const text = await page.getAttribute(selector, "data-value", { timeout: 5000 });
  check(text !== null, `${selector} has a data-value`);
  return Number(text);
}

async function click(selector, section) {
  await settle(section, () => page.click(selector));
}

async function names(selector) {
  return page.$$eval(selector, (els) => els.map((e) => e.dataset.name).sort());
}

// A page of another origin (another port) that tries to read the dashboard's API with the cookie.
function start_foreign() {
  const html = `<!doctype html><title>foreign</title><script>
fetch(${JSON.stringify(url + "/dashboard/api/summary")}, { credentials: "include" })
  .then((r) => r.text().then((t) => { document.title = "read " + r.status + " " + t.slice(0, 60); }))
  .catch(() => { document.title = "blocked"; });
</script>`;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(html);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function main() {
  for (const request of load) await send(request);
  const rows = await ledger_rows(load.length);
  check_equal(rows.length, load.length, "ledger rows after the load");
  for (const r of rows) {
    check_equal(r.outcome, "ok", `row ${r.id} outcome`);
    check(r.cost_usd_pico > 0, `row ${r.id} is priced`);
  }
  check_equal([...totals(rows, "agent").keys()].sort().join(","),
    Object.values(agents_by_ua).sort().join(","), "agents recorded from the user agents");
  const total = rows.reduce((a, r) => a + r.cost_usd_pico / 1e12, 0);
  say(`load sent: ${rows.length} rows, $${total}`);

  const minted = await fetch(`${url}/dashboard/api/login-code`, {
    method: "POST", headers: { authorization: `Bearer ${token}` } });
  check_equal(minted.status, 200, "POST /dashboard/api/login-code with the gateway token");
  const { code, url: link } = await minted.json();
  check(code, "login-code answers a code");
  const login = new URL(link || `/dashboard/login?code=${encodeURIComponent(code)}`, url).toString();

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "llmgw-chromium-"));
  const foreign = await start_foreign();
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromium_path, headless: true, viewport: { width: 1280, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(wait_ms);
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });

    // Sign in: the link sets the cookie and lands on the page, served under the strict CSP.
    const landing = page.waitForResponse((r) => new URL(r.url()).pathname === "/" && r.status() === 200);
    await page.goto(login);
    const csp = (await (await landing).allHeaders())["content-security-policy"] || "";
    check(csp.includes("default-src 'none'") && csp.includes("script-src 'self'"), `the page's CSP: '${csp}'`);
    check_equal(new URL(page.url()).pathname, "/", "the login link redirects to /");
    const cookies = await context.cookies(url);
    check(cookies.length > 0 && cookies.every((c) => c.httpOnly), "the session cookie is HttpOnly");

    // Overview: big numbers and the chart, by model and by agent.
    await go("overview");
    for (const period of ["today", "month"]) {
      check_equal(await value(`#${period}-requests`), rows.length, `${period}'s requests`);
      close_to(await value(`#${period}-cost`), total, `${period}'s spend`);
      const shown = await page.textContent(`#${period}-cost`);
      check(shown !== "$0.00" && Math.abs(Number(shown.slice(1)) - total) <= total * 0.05,
        `${period}'s spend reads '${shown}' for $${total}`);
    }
    const by_model = totals(rows, "model");
    check_equal((await names("#spend-legend button")).join(","), [...by_model.keys()].sort().join(","), "legend by model");
    for (const [model, t] of by_model) {
      close_to(await value(`#spend-legend button[data-name="${model}"] .amt`), t.cost, `chart total of ${model}`);
    }
    check(await page.$$eval("#spend-chart rect.seg", (els) => els.length) >= by_model.size, "the chart draws bars");
    const seg = await page.$("#spend-chart rect.seg");
    const box = await seg.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await until("the chart's tooltip", () => page.isVisible("#tooltip"));
    check((await page.textContent("#tooltip")).includes("$"), "the tooltip shows money");
    await page.mouse.move(1, 1);
    await click('#spend-by button[data-by="agent"]', "view-overview");
    const by_agent = totals(rows, "agent");
    check_equal((await names("#spend-legend button")).join(","), [...by_agent.keys()].sort().join(","), "legend by agent");

    // Breakdown by model and agent (today and 30 days), then the other groupings load.
    await go("breakdown");
    for (const [by, groups] of [["model", by_model], ["agent", by_agent]]) {
      await click(`#bd-by button[data-by="${by}"]`, "view-breakdown");
      for (const range of ["today", "30d"]) {
        await click(`#bd-range button[data-range="${range}"]`, "view-breakdown");
        for (const [name, t] of groups) {
          const row = `#bd-table tr[data-name="${name}"]`;
          check_equal(await value(`${row} td[data-col="requests"]`), t.requests, `breakdown ${by}/${range} ${name} requests`);
          close_to(await value(`${row} td[data-col="cost"]`), t.cost, `breakdown ${by}/${range} ${name} cost`);
        }
      }
    }
    await click('#bd-by button[data-by="provider"]', "view-breakdown");
    check_equal(await value('#bd-table tr[data-name="openai"] td[data-col="requests"]'), rows.length, "breakdown by provider");
    await click('#bd-by button[data-by="session"]', "view-breakdown");
    const by_session = totals(rows, "session");
    for (const [session, t] of by_session) {
      check_equal(await value(`#bd-table tr[data-name="${session}"] td[data-col="requests"]`), t.requests,
        `breakdown by session ${session}`);
    }
    for (const by of ["project", "key"]) await click(`#bd-by button[data-by="${by}"]`, "view-breakdown");

    // Caps: the month cap set before the gateway started has spent what the ledger holds.
    await go("caps");
    check_equal(await page.$$eval("#caps-list .cap", (els) => els.length), 1, "one cap listed");
    close_to(await value("#caps-list .cap .cap-nums b"), total, "the cap's spent");
    close_to(await value('#caps-list .cap .cap-nums div:nth-child(4) b'), 50, "the cap's limit");

    // Providers: the fake provider answered, so it is reachable.
    await go("providers");
    check(await page.$('#prov-table tr[data-name="openai"] .dot.ok'), "provider openai listed as reachable");

    // Prompt-cache health per agent and per session.
    await go("cache");
    for (const [table, groups] of [["ch-agents", by_agent], ["ch-sessions", by_session]]) {
      for (const [name, t] of groups) {
        check_equal(await value(`#${table} tr[data-name="${name}"] td[data-col="requests"]`), t.requests,
          `cache health ${name} requests`);
      }
    }

    // Live log: the 6 rows newest first, a filter, then a new request arrives over the feed.
    await go("live");
    const ids = await page.$$eval("#live-rows .row[data-id]", (els) => els.map((e) => Number(e.dataset.id)));
    check_equal(ids.join(","), rows.map((r) => r.id).reverse().join(","), "live log rows, newest first");
    await settle("view-live", () => page.selectOption("#f-model", "gpt-4.1"));
    check_equal(await page.$$eval("#live-rows .row[data-id]", (els) => els.length), by_model.get("gpt-4.1").requests,
      "live log filtered by model");
    await settle("view-live", () => page.selectOption("#f-model", ""));
    await until("the live feed to connect", () => page.$("#feed.on"));
    await send(["gpt-4.1-mini", "curl/8.5.0", false]);
    const [fresh] = (await ledger_rows(load.length + 1)).slice(-1);
    await until(`request ${fresh.id} in the live log`, () =>
      page.$eval("#live-rows .row", (tr) => Number(tr.dataset.id)).then((id) => id === fresh.id));
    check((await page.textContent("#live-rows .row")).includes("gpt-4.1-mini"), "the new row shows its model");

    // Its detail: tokens by kind, cost, tries, timings.
    await settle("view-request", () => page.click("#live-rows .row"));
    check_equal(new URL(page.url()).hash, `#/request/${fresh.id}`, "detail route");
    close_to(await value('#rq-body [data-k="cost"] [data-value]'), fresh.cost_usd_pico / 1e12, "detail cost");
    for (const [kind, column] of [["input", "input_uncached_tokens"], ["cache_read", "cache_read_tokens"],
      ["output", "output_tokens"]]) {
      check_equal(await value(`#rq-tokens tr[data-kind="${kind}"] td[data-col="tokens"]`), fresh[column], `detail ${kind} tokens`);
    }
    check((await page.textContent("#rq-attempts tbody")).includes("200"), "the detail lists the try with its status");
    check((await page.textContent("#rq-body [data-k='duration']")).match(/\d/), "the detail shows the duration");

    // Another origin cannot read the API, even with the cookie in the browser.
    const other = await context.newPage();
    await other.goto(`http://127.0.0.1:${foreign.address().port}/`);
    const verdict = await until("the foreign page's fetch", async () => {
      const title = await other.title();
      return title === "foreign" ? null : title;
    });
    check(verdict === "blocked" || /^read (401|403) /.test(verdict), `a foreign origin reading the API: ${verdict}`);
    say(`a foreign origin reading the API: ${verdict}`);
    await other.close();

    // Phone width: no view scrolls sideways (tables scroll inside their box).
    await page.setViewportSize({ width: 390, height: 844 });
    for (const view of ["overview", "breakdown", "caps", "providers", "live", `request/${fresh.id}`, "cache"]) {
      await go(view);
      const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      check(scroll <= inner, `${view} at 390 px: scrollWidth ${scroll} > innerWidth ${inner}`);
    }

    // Dark mode follows the system and still loads cleanly.
    await page.emulateMedia({ colorScheme: "dark" });
    await go("overview");
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: "light" });
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(dark !== light, `dark and light backgrounds differ (${dark} / ${light})`);

    check_equal(problems.length, 0, `console errors or CSP violations: ${problems.join(" | ")}`);
    say("all views match the ledger");

    // Last, so that whatever they leave in the ledger cannot change the numbers checked above:
    // without the cookie the API refuses; minting a code needs the gateway token; a code is single use.
    check_equal((await fetch(`${url}/dashboard/api/summary`)).status, 401, "the API without the cookie");
    check(!(await fetch(`${url}/dashboard/api/login-code`, { method: "POST" })).ok,
      "login-code refuses a request without the gateway token");
    const again = await fetch(login, { redirect: "manual" });
    check(!(again.headers.get("set-cookie") || "").includes("HttpOnly"), "a used login link signs in no one");
  } finally {
    await context.close();
    foreign.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

await main();
