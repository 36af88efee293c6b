// llmgw dashboard: the live request log (EventSource, one DOM update per frame) and the
// request detail.
// One of the page's classic scripts (index.html loads them in order, deferred); they share the
// global scope, so a name declared in an earlier file is visible in a later one.
'use strict';

const live = {
  body: null, pending: [], raf: 0, timer: 0, lastFlush: 0, paused: false, source: null, ids: new Map(), generation: 0,
  seen: {model: new Set(), agent: new Set(), provider: new Set()},
};

function liveFilters() {
  return {model: $('f-model').value, agent: $('f-agent').value, provider: $('f-provider').value,
    status: $('f-status').value};
}

function matches(row, f) {
  if (f.model && row.model !== f.model) return false;
  if (f.agent && row.agent !== f.agent) return false;
  if (f.provider && row.provider !== f.provider) return false;
  if (f.status === 'ok' && row.outcome !== 'ok') return false;
  if (f.status === 'error' && row.outcome === 'ok') return false;
  return true;
}

// New model/agent/provider values become filter options.
function noteValues(row) {
  for (const key of ['model', 'agent', 'provider']) {
    const v = row[key];
    if (!v || live.seen[key].has(v)) continue;
    live.seen[key].add(v);
    $('f-' + key).appendChild(h('option', {value: v}, v));
  }
}

function statusBadge(row) {
  const ok = row.outcome === 'ok';
  return h('span', {class: 'badge ' + (ok ? 'ok' : 'err'), title: row.outcome},
    (row.http_status || '') + (ok ? '' : ' ' + row.outcome));
}

// A log row is a grid of spans, not a table row: each row has a fixed height and is contained, so
// adding rows at the top lays out only the new ones (a table re-lays out every row).
function cell(cls, col, text, title) {
  return h('span', {class: cls, 'data-col': col, title}, text);
}

function liveRow(row) {
  return h('div', {class: 'row link', role: 'row', 'data-id': row.id, 'data-outcome': row.outcome,
    onclick: () => { location.hash = '#/request/' + row.id; }},
    cell('mono', 'time', clock(row.started_at_ms)),
    cell('', 'agent', row.agent, row.agent),
    cell('', 'model', row.model, row.model),
    cell('opt', 'provider', row.provider),
    h('span', {'data-col': 'status'}, statusBadge(row)),
    cell('n', 'duration_ms', ms(row.duration_ms)),
    cell('n opt', 'ttfb_ms', ms(row.ttfb_ms)),
    cell('n opt', 'tokens', tokens(row.input_tokens) + ' / ' + tokens(row.output_tokens)),
    h('span', {class: 'n', 'data-col': 'cost', 'data-value': row.cost_usd ?? 0}, money(row.cost_usd)),
    cell('opt muted', 'streamed', row.streamed ? 'stream' : ''));
}

const LIVE_HEAD = [['time', ''], ['agent', ''], ['model', ''], ['provider', 'opt'], ['status', ''],
  ['duration', 'n'], ['ttfb', 'n opt'], ['tokens in / out', 'n opt'], ['cost', 'n'], ['', 'opt']];

async function loadLive() {
  const f = liveFilters();
  const gen = ++live.generation;
  const q = new URLSearchParams({limit: '100'});
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  const data = await api('requests?' + q);
  if (gen !== live.generation) return; // a newer filter won
  const rows = data.requests || [];
  rows.forEach(noteValues);
  live.ids.clear();
  live.pending = [];
  const box = clear($('live-table'));
  box.appendChild(h('div', {class: 'row head', role: 'row'}, LIVE_HEAD.map(([label, cls]) =>
    h('span', {class: cls, role: 'columnheader'}, label))));
  live.body = h('div', {id: 'live-rows', role: 'rowgroup'}, rows.map((r) => remember(liveRow(r), r)));
  if (rows.length === 0) live.body.appendChild(h('div', {class: 'empty'}, 'No requests yet: they appear here as they finish.'));
  box.appendChild(live.body);
  liveCount();
  connectLive();
}

function remember(tr, row) {
  if (row.id !== undefined) live.ids.set(String(row.id), tr);
  return tr;
}

function connectLive() {
  if (live.source) return;
  const feed = $('feed');
  const source = new EventSource(API + 'live');
  live.source = source;
  let broken = false;
  source.addEventListener('open', () => {
    feed.className = 'feed on';
    feed.title = 'Live feed connected';
    // Back after a drop (a restart, or a viewer that fell behind): reload the list to fill the gap.
    if (broken && current === 'live') load('live', loadLive);
    else if (broken) live.body = null;
    broken = false;
  });
  source.addEventListener('error', () => {
    broken = true;
    feed.className = 'feed off';
    feed.title = 'Live feed reconnecting';
  });
  source.addEventListener('request', (ev) => {
    let row;
    try { row = JSON.parse(ev.data); } catch { return; }
    noteValues(row);
    if (!matches(row, liveFilters())) return;
    live.pending.push(row);
    if (live.pending.length > LIVE_MAX_ROWS) live.pending.splice(0, live.pending.length - LIVE_MAX_ROWS);
    scheduleFlush();
  });
}

function scheduleFlush() {
  if (live.raf || live.timer || live.paused || !live.body || current !== 'live') return;
  const wait = live.lastFlush + LIVE_FLUSH_MS - performance.now();
  if (wait > 0) {
    live.timer = setTimeout(() => { live.timer = 0; scheduleFlush(); }, wait);
    return;
  }
  live.raf = requestAnimationFrame(flushLive);
}

// One DOM update per frame (at most every LIVE_FLUSH_MS), however many rows arrived: newest on
// top, at most LIVE_MAX_ROWS.
function flushLive() {
  live.raf = 0;
  live.lastFlush = performance.now();
  const batch = live.pending;
  live.pending = [];
  const body = live.body;
  const frag = document.createDocumentFragment();
  for (let i = batch.length - 1; i >= 0; i--) {
    const row = batch[i];
    if (row.id !== undefined && live.ids.has(String(row.id))) continue;
    frag.appendChild(remember(liveRow(row), row));
  }
  if (!frag.firstChild) return;
  const empty = body.querySelector('.empty');
  if (empty) empty.remove();
  body.insertBefore(frag, body.firstChild);
  while (body.childElementCount > LIVE_MAX_ROWS) {
    const last = body.lastElementChild;
    live.ids.delete(last.dataset.id);
    last.remove();
  }
  liveCount();
}

function liveCount() {
  const n = live.body ? live.body.childElementCount : 0;
  $('live-count').textContent = n ? `(latest ${n}${live.paused && live.pending.length ? ', ' + live.pending.length + ' waiting' : ''})` : '';
}

// ---------------------------------------------------------------------------------------------
// Request detail

function kv(pairs) {
  return h('div', {class: 'kv'}, pairs.filter(Boolean).map(([k, v, id]) =>
    h('div', {'data-k': id || null}, h('span', null, k), v)));
}

async function loadRequest(id) {
  const body = clear($('rq-body'));
  $('rq-title').textContent = 'Request ' + id;
  const r = await api('requests/' + encodeURIComponent(id));
  const u = r.usage || {}, c = r.cost || {}, t = r.timings || {};
  if (r.error) body.appendChild(h('div', {class: 'err-box'}, r.error));
  body.appendChild(kv([
    ['started', clock(r.started_at_ms)], ['agent', r.agent], ['model', r.model], ['provider', r.provider],
    ['status', statusBadge(r)], ['cost', h('b', {'data-value': c.total_usd ?? r.cost_usd}, money(c.total_usd ?? r.cost_usd)), 'cost'],
    ['streamed', r.streamed ? 'yes' : 'no'], r.session ? ['session', h('span', {class: 'mono'}, r.session)] : null,
  ]));
  const kinds = [['input', 'input'], ['cache read', 'cache_read'], ['cache write 5m', 'cache_write_5m'],
    ['cache write 1h', 'cache_write_1h'], ['output', 'output'], ['reasoning', 'reasoning']];
  const tokenTotal = kinds.reduce((a, [, k]) => a + Number(u[k] || 0), 0);
  const tokensBox = h('div', null, h('h3', null, 'Tokens'));
  tokensBox.appendChild(h('div', {class: 'table-box'}, (() => {
    const tb = h('table', {id: 'rq-tokens'});
    table(tb, [['kind'], ['tokens', 'n'], ['', 'bar-cell']], kinds.map(([label, k]) => h('tr', {'data-kind': k},
      h('td', null, label), numCell(u[k] || 0, int, 'tokens'), h('td', {class: 'bar-cell'}, bar([{value: u[k] || 0}], tokenTotal)))),
    'No usage.');
    return tb;
  })()));
  // The ledger keeps the total only: without parts, the total is the one line.
  const total = c.total_usd ?? r.cost_usd;
  const parts = c.parts && c.parts.length ? c.parts : total ? [{kind: 'total', tokens: null, usd: total}] : [];
  const costBox = h('div', null, h('h3', null, 'Cost'));
  const ct = h('table', {id: 'rq-cost'});
  table(ct, [['part'], ['tokens', 'n'], ['cost', 'n']], parts.map((p) => h('tr', {'data-kind': p.kind},
    h('td', null, p.kind), p.tokens === null ? h('td') : numCell(p.tokens, int, 'tokens'), moneyCell(p.usd))),
  c.unpriced || r.unpriced ? 'Unpriced: no price known for this model.' : 'Nothing billed.');
  costBox.appendChild(h('div', {class: 'table-box'}, ct));
  costBox.appendChild(h('p', {class: 'hint'}, 'price ' + (c.price_basis || 'unpriced') +
    (c.price_version ? ', table ' + c.price_version : '') + ' · usage ' + (c.usage_source || '–')));
  body.appendChild(h('div', {class: 'detail-grid'}, tokensBox, costBox));

  body.appendChild(h('h3', null, 'Tries'));
  const at = h('table', {id: 'rq-attempts'});
  // Without a list the request took one try, unless llmgw answered it itself.
  const answeredLocally = ['refused', 'bad_request'].includes(r.outcome);
  const attempts = r.attempts && r.attempts.length ? r.attempts : answeredLocally ? []
    : [{provider: r.provider, model: r.model, http_status: r.http_status, latency_ms: t.duration_ms, error: r.error}];
  table(at, [['#', 'n'], ['provider'], ['model'], ['status'], ['latency', 'n'], ['error']], attempts.map((a, i) =>
    h('tr', {class: a.error || a.http_status >= 400 ? 'bad' : null}, h('td', {class: 'n'}, i + 1), h('td', null, a.provider),
      h('td', null, a.model), h('td', null, String(a.http_status || '–')), h('td', {class: 'n'}, ms(a.latency_ms)),
      h('td', {class: 'name', title: a.error || ''}, a.error || ''))), 'No upstream call: llmgw answered this request itself.');
  body.appendChild(h('div', {class: 'table-box'}, at));

  body.appendChild(h('h3', null, 'Timings'));
  // ttfb_ms is -1 when no byte reached the client.
  const dur = Number(t.duration_ms ?? r.duration_ms ?? 0), ttfb = Number(t.ttfb_ms ?? r.ttfb_ms ?? -1);
  const tl = svg('svg', {class: 'timeline', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true'},
    svg('rect', {class: 'wait', width: 100, height: 10}));
  if (dur > 0 && ttfb >= 0) {
    const x = Math.min(100, (ttfb / dur) * 100);
    tl.appendChild(svg('rect', {class: 'ttfb', width: x, height: 10}));
    tl.appendChild(svg('rect', {class: 'body', x, width: 100 - x, height: 10}));
  }
  body.appendChild(tl);
  body.appendChild(kv([['time to first byte', ms(ttfb), 'ttfb'], ['duration', ms(dur), 'duration'],
    ['after first byte', ttfb >= 0 && dur >= ttfb ? ms(dur - ttfb) : '–']]));
}
