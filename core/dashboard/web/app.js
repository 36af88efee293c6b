// llmgw dashboard: one page, views by hash route (#/overview, #/breakdown, #/caps, #/providers,
// #/live, #/request/<id>, #/cache). Plain JS, no framework, no network but this origin's
// /dashboard/api (the page runs under a strict CSP: no inline script or style, no CDN).
'use strict';

const API = '/dashboard/api/';
const LIVE_MAX_ROWS = 300; // rows kept in the live log's DOM
const LIVE_FLUSH_MS = 200; // at most this often, each time in an animation frame
const REFRESH_MS = 15000; // a visible view's data is refreshed this often
const MAX_SERIES = 8; // the chart stacks this many names, the rest as "other"
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#86bcb6', '#d4a6c8', '#b6992d'];
const OTHER_COLOUR = '#9aa3ad';
const SVG_NS = 'http://www.w3.org/2000/svg';

// ---------------------------------------------------------------------------------------------
// Formatting

// $ with 2 decimals from $1; below, two significant digits so nothing non-zero reads $0.00.
function money(v) {
  if (v === null || v === undefined || !Number.isFinite(Number(v))) return '–';
  v = Number(v);
  const a = Math.abs(v), sign = v < 0 ? '-' : '';
  if (a === 0) return '$0.00';
  if (a >= 1) return sign + '$' + a.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const decimals = Math.min(12, Math.max(2, 1 - Math.floor(Math.log10(a))));
  let s = a.toFixed(decimals);
  while (s.length > 4 && s.endsWith('0') && s.indexOf('.') < s.length - 3) s = s.slice(0, -1);
  return sign + '$' + s;
}

// Axis labels: short money ($0, $0.05, $1.5, $12, $1.2k).
function moneyShort(v) {
  if (v === 0) return '$0';
  if (v >= 1000) return '$' + trimNum(v / 1000, 1) + 'k';
  if (v >= 10) return '$' + Math.round(v);
  if (v >= 1) return '$' + trimNum(v, 1);
  return money(v);
}

function trimNum(v, digits) {
  return String(Number(v.toFixed(digits)));
}

const intFormat = new Intl.NumberFormat('en-US');
const timeFormat = new Intl.DateTimeFormat('en-GB', {hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false});

function int(v) {
  return v === null || v === undefined ? '–' : intFormat.format(Number(v));
}

// Token counts: 950, 12.3k, 4.56M.
function tokens(v) {
  if (v === null || v === undefined) return '–';
  const a = Math.abs(v);
  if (a < 1000) return String(v);
  if (a < 1e6) return trimNum(v / 1e3, a < 1e4 ? 2 : 1) + 'k';
  if (a < 1e9) return trimNum(v / 1e6, a < 1e7 ? 2 : 1) + 'M';
  return trimNum(v / 1e9, 2) + 'B';
}

function pct(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(Number(ratio))) return '–';
  const p = ratio * 100;
  if (p > 0 && p < 0.1) return '<0.1%';
  return (p > 0 && p < 1 ? trimNum(p, 1) : Math.round(p)) + '%';
}

function ms(v) {
  if (v === null || v === undefined || v < 0) return '–';
  if (v < 1000) return Math.round(v) + ' ms';
  if (v < 60000) return trimNum(v / 1000, v < 10000 ? 2 : 1) + ' s';
  return Math.floor(v / 60000) + 'm ' + Math.round((v % 60000) / 1000) + 's';
}

function clock(t) {
  const d = new Date(t);
  const time = timeFormat.format(d);
  const now = new Date();
  if (d.getDate() === now.getDate() && now - d < 864e5) return time;
  return d.toLocaleDateString('en-CA') + ' ' + time;
}

function dayLabel(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString('en-US', {month: 'short', day: 'numeric'});
}

// ---------------------------------------------------------------------------------------------
// DOM helpers (elements are built, never parsed from strings: names in the ledger are untrusted)

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, kids) {
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
}

function $(id) {
  return document.getElementById(id);
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

function swatch(colour) {
  return svg('svg', {class: 'swatch', viewBox: '0 0 10 10', 'aria-hidden': 'true'},
    svg('rect', {width: 10, height: 10, rx: 2, fill: colour}));
}

// A horizontal bar (SVG, so no style attributes): parts [{value, cls}] over `total`.
function bar(parts, total, cls) {
  const el = svg('svg', {class: 'bar' + (cls ? ' ' + cls : ''), viewBox: '0 0 100 10',
    preserveAspectRatio: 'none', 'aria-hidden': 'true'});
  el.appendChild(svg('rect', {class: 'track', width: 100, height: 10, rx: 2}));
  let x = 0;
  for (const p of parts) {
    const w = total > 0 ? Math.max(0, Math.min(100 - x, (p.value / total) * 100)) : 0;
    if (w > 0) el.appendChild(svg('rect', {class: p.cls || 'fill', x, width: w, height: 10, rx: 2}));
    x += w;
  }
  return el;
}

// Money cell: the formatted text, the exact value in data-value (tests and copy/paste read it).
// `col` names the column in data-col.
function moneyCell(v, col) {
  return h('td', {class: 'n', 'data-col': col || 'cost', 'data-value': v ?? 0, title: v ? '$' + v : null}, money(v));
}

function numCell(v, fmt, col) {
  return h('td', {class: 'n', 'data-col': col, 'data-value': v ?? 0, title: v >= 1000 ? int(v) : null}, (fmt || int)(v));
}

function table(el, head, rows, emptyText) {
  clear(el);
  el.appendChild(h('thead', null, h('tr', null, head.map(([label, cls]) => h('th', {class: cls}, label)))));
  const body = h('tbody');
  if (rows.length === 0) body.appendChild(h('tr', null, h('td', {class: 'empty', colspan: head.length}, emptyText)));
  append(body, rows);
  el.appendChild(body);
  return body;
}

// Colours: each name keeps the colour it first got (the largest series first, so the most
// distinct colours go to what matters), for as long as the page is open.
const colours = new Map();
function colourOf(name) {
  if (name === 'other') return OTHER_COLOUR;
  let c = colours.get(name);
  if (!c) {
    c = PALETTE[colours.size % PALETTE.length];
    colours.set(name, c);
  }
  return c;
}

function segButtons(id, attr, onPick) {
  const box = $(id);
  box.addEventListener('click', (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    for (const other of box.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === b));
    onPick(b.dataset[attr]);
  });
  return () => box.querySelector('button[aria-pressed="true"]').dataset[attr];
}

// ---------------------------------------------------------------------------------------------
// API

class AuthError extends Error {}

async function api(path) {
  const res = await fetch(API + path, {credentials: 'same-origin', headers: {Accept: 'application/json'}});
  if (res.status === 401 || res.status === 403) throw new AuthError('not signed in');
  if (!res.ok) throw new Error(path.split('?')[0] + ': HTTP ' + res.status);
  return res.json();
}

function showBanner(err) {
  const b = $('banner');
  clear(b);
  if (err instanceof AuthError) {
    append(b, ['Not signed in, or the session ended. Run ', h('code', null, 'llmgw dashboard'), ' for a new link.']);
  } else {
    append(b, ['Could not load data: ', String(err && err.message || err), '. Retrying.']);
  }
  b.hidden = false;
}

function hideBanner() {
  $('banner').hidden = true;
}

// Runs a view's loader and marks the section: data-state loading | ready | error.
async function load(view, fn) {
  const section = $('view-' + view);
  section.dataset.state = 'loading';
  try {
    await fn();
    hideBanner();
    section.dataset.state = 'ready';
  } catch (err) {
    section.dataset.state = 'error';
    showBanner(err);
  }
}

// ---------------------------------------------------------------------------------------------
// Overview: big numbers and the spend chart

let spendBy = 'model';
let spendData = null;
const hiddenSeries = new Set();

async function loadOverview() {
  const [summary, spend] = await Promise.all([api('summary'), api('spend?days=30&by=' + spendBy)]);
  for (const key of ['today', 'month']) {
    const s = summary[key] || {};
    const cost = $(key + '-cost');
    cost.textContent = money(s.cost_usd);
    cost.dataset.value = s.cost_usd ?? 0;
    const req = $(key + '-requests');
    req.textContent = int(s.requests);
    req.dataset.value = s.requests ?? 0;
    $(key + '-sub').textContent = s.errors ? int(s.errors) + ' errors' : 'no errors';
    // input_tokens is the uncached input; cache reads are counted apart.
    $(key + '-tokens').textContent = tokens(s.input_tokens) + ' in' +
      (s.cache_read_tokens ? ' + ' + tokens(s.cache_read_tokens) + ' cached' : '') + ' · ' + tokens(s.output_tokens) + ' out';
  }
  spendData = spend;
  drawSpend();
}

// The series to stack: the MAX_SERIES largest by total, the rest summed as "other".
function stackSeries(data) {
  const n = data.days.length;
  const all = (data.series || []).map((s) => ({name: s.name, values: s.values.map(Number),
    total: s.values.reduce((a, b) => a + Number(b), 0)})).filter((s) => s.total > 0);
  all.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  const kept = all.slice(0, MAX_SERIES);
  if (all.length > MAX_SERIES) {
    const rest = all.slice(MAX_SERIES);
    const values = Array.from({length: n}, (_, i) => rest.reduce((a, s) => a + (s.values[i] || 0), 0));
    kept.push({name: 'other', values, total: values.reduce((a, b) => a + b, 0)});
  }
  for (const s of kept) colourOf(s.name);
  return kept;
}

function niceStep(max, ticks) {
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function drawSpend() {
  const box = $('spend-chart');
  const legend = $('spend-legend');
  if (!spendData) return;
  const days = spendData.days || [];
  const series = stackSeries(spendData);
  const shown = series.filter((s) => !hiddenSeries.has(s.name));
  const width = Math.max(280, box.clientWidth || 600);
  const height = width < 560 ? 200 : 260;
  const m = {l: 52, r: 8, t: 10, b: 24};
  const pw = width - m.l - m.r, ph = height - m.t - m.b;
  const totals = days.map((_, i) => shown.reduce((a, s) => a + (s.values[i] || 0), 0));
  const maxTotal = Math.max(0, ...totals);
  const step = maxTotal > 0 ? niceStep(maxTotal, 4) : 0.25;
  const top = maxTotal > 0 ? Math.ceil(maxTotal / step) * step : 1;
  const y = (v) => m.t + ph - (v / top) * ph;
  const colW = days.length ? pw / days.length : pw;
  const barW = Math.max(2, colW * 0.72);

  const root = svg('svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': 'Spend per day by ' + spendBy});
  const hover = svg('rect', {class: 'col', y: m.t, width: colW, height: ph, visibility: 'hidden'});
  root.appendChild(hover);
  for (let v = 0; v <= top + step / 2; v += step) {
    root.appendChild(svg('line', {class: 'grid', x1: m.l, x2: width - m.r, y1: y(v), y2: y(v)}));
    root.appendChild(svg('text', {x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end'}, moneyShort(Number(v.toPrecision(6)))));
  }
  root.appendChild(svg('line', {class: 'axis', x1: m.l, x2: width - m.r, y1: m.t + ph, y2: m.t + ph}));
  const every = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(pw / 64))));
  days.forEach((day, i) => {
    const x0 = m.l + i * colW;
    let acc = 0;
    for (const s of shown) {
      const v = s.values[i] || 0;
      if (v <= 0) continue;
      const y1 = y(acc + v), y0 = y(acc);
      root.appendChild(svg('rect', {class: 'seg', x: x0 + (colW - barW) / 2, y: y1, width: barW,
        height: Math.max(0.5, y0 - y1), fill: colourOf(s.name), 'data-name': s.name, 'data-day': day}));
      acc += v;
    }
    if ((days.length - 1 - i) % every === 0) {
      root.appendChild(svg('text', {x: x0 + colW / 2, y: height - 6, 'text-anchor': 'middle'}, dayLabel(day)));
    }
  });
  if (maxTotal === 0) {
    root.appendChild(svg('text', {class: 'nodata', x: m.l + pw / 2, y: m.t + ph / 2, 'text-anchor': 'middle'},
      'No spend in the last 30 days'));
  }
  const hit = svg('rect', {class: 'hit', x: m.l, y: m.t, width: pw, height: ph});
  const onMove = (ev) => {
    const r = root.getBoundingClientRect();
    const i = Math.floor((ev.clientX - r.left - m.l) / colW);
    if (i < 0 || i >= days.length) return hideTip(hover);
    hover.setAttribute('x', m.l + i * colW);
    hover.setAttribute('visibility', 'visible');
    showTip(ev, dayLabel(days[i]) + ' · ' + money(totals[i]),
      shown.filter((s) => s.values[i] > 0).sort((a, b) => b.values[i] - a.values[i])
        .map((s) => [colourOf(s.name), s.name, money(s.values[i])]));
  };
  hit.addEventListener('pointermove', onMove);
  hit.addEventListener('pointerdown', onMove);
  hit.addEventListener('pointerleave', () => hideTip(hover));
  root.appendChild(hit);
  clear(box).appendChild(root);

  clear(legend);
  for (const s of series) {
    legend.appendChild(h('button', {type: 'button', class: hiddenSeries.has(s.name) ? 'off' : null,
      'data-name': s.name, 'aria-pressed': String(!hiddenSeries.has(s.name)),
      onclick: () => {
        if (hiddenSeries.has(s.name)) hiddenSeries.delete(s.name);
        else hiddenSeries.add(s.name);
        drawSpend();
      }}, swatch(colourOf(s.name)), h('span', null, s.name), h('span', {class: 'amt', 'data-value': s.total}, money(s.total))));
  }
  if (series.length === 0) legend.appendChild(h('span', {class: 'muted'}, 'Nothing spent yet.'));
}

function showTip(ev, title, rows) {
  const tip = $('tooltip');
  clear(tip);
  tip.appendChild(h('div', {class: 't-head'}, title));
  for (const [colour, name, value] of rows) {
    tip.appendChild(h('div', {class: 't-row'}, swatch(colour), h('span', null, name), h('span', null, value)));
  }
  tip.hidden = false;
  const w = tip.offsetWidth, hgt = tip.offsetHeight;
  let x = ev.clientX + 14, yy = ev.clientY + 14;
  if (x + w > window.innerWidth - 4) x = Math.max(4, ev.clientX - w - 14);
  if (yy + hgt > window.innerHeight - 4) yy = Math.max(4, ev.clientY - hgt - 14);
  tip.style.left = x + 'px'; // CSSOM, which style-src 'self' allows (unlike style attributes)
  tip.style.top = yy + 'px';
}

function hideTip(hover) {
  $('tooltip').hidden = true;
  if (hover) hover.setAttribute('visibility', 'hidden');
}

// ---------------------------------------------------------------------------------------------
// Breakdown

let bdBy = 'agent', bdRange = 'today';

async function loadBreakdown() {
  const data = await api(`breakdown?by=${bdBy}&range=${bdRange}`);
  const rows = (data.rows || []).slice().sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests);
  const maxCost = Math.max(0, ...rows.map((r) => r.cost_usd));
  const sum = (k) => rows.reduce((a, r) => a + Number(r[k] || 0), 0);
  const trs = rows.map((r) => h('tr', {'data-name': r.name},
    h('td', {class: 'name', title: r.name}, r.name || '(none)'),
    moneyCell(r.cost_usd),
    h('td', {class: 'bar-cell opt'}, bar([{value: r.cost_usd}], maxCost)),
    numCell(r.requests, int, 'requests'),
    numCell(r.input_tokens, tokens, 'input_tokens'),
    numCell(r.output_tokens, tokens, 'output_tokens'),
    numCell(r.cache_read_tokens, tokens, 'cache_read_tokens'),
    h('td', {class: 'n opt'}, tokens(r.cache_write_tokens)),
    h('td', {class: 'n'}, pct(r.cache_read_share))));
  if (rows.length > 1) {
    trs.push(h('tr', {class: 'total'}, h('td', null, 'total'), moneyCell(sum('cost_usd')), h('td', {class: 'opt'}),
      numCell(sum('requests'), int, 'requests'), numCell(sum('input_tokens'), tokens, 'input_tokens'),
      numCell(sum('output_tokens'), tokens, 'output_tokens'), numCell(sum('cache_read_tokens'), tokens, 'cache_read_tokens'), h('td', {class: 'n opt'}, tokens(sum('cache_write_tokens'))),
      h('td')));
  }
  table($('bd-table'), [[bdBy], ['cost', 'n'], ['', 'opt'], ['requests', 'n'], ['input', 'n'], ['output', 'n'],
    ['cache read', 'n'], ['cache write', 'n opt'], ['read share', 'n']], trs, 'No requests in this range.');
}

// ---------------------------------------------------------------------------------------------
// Caps

async function loadCaps() {
  const caps = (await api('caps')).caps || [];
  const list = clear($('caps-list'));
  if (caps.length === 0) {
    list.appendChild(h('p', {class: 'empty'}, 'No spend caps are configured (see "Spend caps, keys and runs" in the README).'));
    return;
  }
  for (const c of caps) {
    const ratio = Number(c.used_ratio || 0);
    const state = ratio >= 1 ? 'over' : ratio >= Number(c.warn_ratio || 0.8) ? 'warn' : 'ok';
    list.appendChild(h('div', {class: 'cap ' + state, 'data-scope': c.scope, 'data-name': c.name},
      h('div', {class: 'cap-head'},
        h('div', null, h('div', {class: 'cap-name'}, c.scope + (c.name ? ' ' + c.name : '')),
          h('div', {class: 'muted'}, c.period + ' · ' + (c.hard ? 'hard' : 'soft') + ' · warns at ' + pct(c.warn_ratio))),
        h('div', {class: 'cap-pct', 'data-value': ratio}, pct(ratio))),
      bar([{value: c.spent_usd}, {value: c.reserved_usd, cls: 'reserved'}], c.limit_usd, state === 'ok' ? '' : state),
      h('div', {class: 'cap-nums'},
        h('div', null, h('b', {'data-value': c.spent_usd}, money(c.spent_usd)), h('span', null, 'spent')),
        h('div', null, h('b', {'data-value': c.reserved_usd}, money(c.reserved_usd)), h('span', null, 'reserved')),
        h('div', null, h('b', {'data-value': c.remaining_usd}, money(c.remaining_usd)), h('span', null, 'remaining')),
        h('div', null, h('b', {'data-value': c.limit_usd}, money(c.limit_usd)), h('span', null, 'limit')))));
  }
}

// ---------------------------------------------------------------------------------------------
// Providers

function until(t) {
  const left = Number(t || 0) - Date.now();
  return left > 0 ? ms(left) : '';
}

async function loadProviders() {
  const providers = (await api('providers')).providers || [];
  const trs = providers.map((p) => {
    const cool = until(p.cooldown_until_ms);
    const keys = p.keys || [];
    const benched = keys.filter((k) => until(k.benched_until_ms));
    const cooling = (p.deployments || []).filter((d) => until(d.cooldown_until_ms));
    return h('tr', {'data-name': p.name},
      h('td', {class: 'name'}, h('span', {class: 'dot ' + (p.reachable ? 'ok' : 'bad')}), p.name),
      h('td', null, p.kind),
      h('td', {class: 'state'}, cool ? h('span', {class: 'badge warn'}, 'cooling down, ' + cool + ' left')
        : p.reachable ? h('span', {class: 'badge ok'}, 'reachable') : h('span', {class: 'badge err'}, 'unreachable'),
        cooling.map((d) => [' ', h('span', {class: 'badge warn', title: d.reason || ''},
          d.model + ' cooling, ' + until(d.cooldown_until_ms))])),
      h('td', {class: 'keys'}, keys.length === 0 ? h('span', {class: 'muted'}, '–') : keys.map((k) => {
        const left = until(k.benched_until_ms);
        return h('span', {class: 'badge' + (left ? ' err' : ''), title: left ? 'benched, ' + left + ' left' : 'in use'},
          k.label + (left ? ' benched ' + left : ''));
      }).flatMap((el, i) => (i ? [' ', el] : [el]))),
      h('td', {class: 'mono opt'}, p.base_url),
      h('td', {class: 'n'}, benched.length ? benched.length + '/' + keys.length + ' benched' : ''));
  });
  table($('prov-table'), [['provider'], ['kind'], ['state'], ['keys'], ['base URL', 'opt'], ['', 'n']], trs,
    'No providers configured.');
}

// ---------------------------------------------------------------------------------------------
// Live request log: first a page from /requests, then the EventSource feed, batched per frame.

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

// ---------------------------------------------------------------------------------------------
// Prompt-cache health

let chRange = '7d';

function cacheBad(r) {
  return Number(r.writes_never_read || 0) > 0 || (Number(r.requests) >= 3 && Number(r.cache_read_share || 0) < 0.5);
}

function cacheRows(rows, key) {
  return rows.slice().sort((a, b) => Number(cacheBad(b)) - Number(cacheBad(a)) || b.input_tokens - a.input_tokens)
    .map((r) => {
      const share = Number(r.cache_read_share || 0);
      const bad = cacheBad(r);
      return h('tr', {class: bad ? 'bad' : null, 'data-name': r[key]},
        h('td', {class: 'name mono', title: r[key]}, r[key] || '(none)'),
        key === 'session' ? h('td', null, r.agent || '') : null,
        numCell(r.requests, int, 'requests'), numCell(r.input_tokens, tokens, 'input_tokens'),
        numCell(r.cache_read_tokens, tokens, 'cache_read_tokens'), numCell(r.cache_write_tokens, tokens, 'cache_write_tokens'),
        h('td', {class: 'n', 'data-col': 'cache_read_share', 'data-value': share}, pct(share)),
        h('td', {class: 'bar-cell opt'}, bar([{value: share}], 1, share >= 0.5 ? 'good' : 'bad')),
        numCell(r.writes_never_read, tokens, 'writes_never_read'));
    });
}

async function loadCache() {
  const data = await api('cache_health?range=' + chRange);
  const head = (first, withAgent) => [[first], withAgent ? ['agent'] : null, ['requests', 'n'], ['input', 'n'],
    ['cache read', 'n'], ['cache write', 'n'], ['read share', 'n'], ['', 'opt'], ['writes never read', 'n']]
    .filter(Boolean);
  table($('ch-agents'), head('agent', false), cacheRows(data.agents || [], 'agent'), 'No requests in this range.');
  table($('ch-sessions'), head('session', true), cacheRows(data.sessions || [], 'session'), 'No sessions in this range.');
}

// ---------------------------------------------------------------------------------------------
// Routing

let current = '';
let currentArg = '';

function route() {
  const [, view = 'overview', arg = ''] = (location.hash.match(/^#\/([a-z_]+)(?:\/(.*))?$/) || []);
  const known = ['overview', 'breakdown', 'caps', 'providers', 'live', 'request', 'cache'];
  current = known.includes(view) ? view : 'overview';
  currentArg = decodeURIComponent(arg);
  for (const el of document.querySelectorAll('.view')) el.hidden = el.id !== 'view-' + current;
  for (const a of document.querySelectorAll('#nav a')) {
    const on = a.dataset.view === current || (current === 'request' && a.dataset.view === 'live');
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  hideTip();
  refresh();
}

function refresh() {
  switch (current) {
    case 'overview': return load('overview', loadOverview);
    case 'breakdown': return load('breakdown', loadBreakdown);
    case 'caps': return load('caps', loadCaps);
    case 'providers': return load('providers', loadProviders);
    case 'live':
      if (live.body && live.source) { // the feed keeps it current
        $('view-live').dataset.state = 'ready';
        return scheduleFlush();
      }
      return load('live', loadLive);
    case 'request': return load('request', () => loadRequest(currentArg));
    case 'cache': return load('cache', loadCache);
  }
}

function start() {
  segButtons('spend-by', 'by', (v) => { spendBy = v; hiddenSeries.clear(); load('overview', loadOverview); });
  segButtons('bd-by', 'by', (v) => { bdBy = v; load('breakdown', loadBreakdown); });
  segButtons('bd-range', 'range', (v) => { bdRange = v; load('breakdown', loadBreakdown); });
  segButtons('ch-range', 'range', (v) => { chRange = v; load('cache', loadCache); });
  for (const id of ['f-model', 'f-agent', 'f-provider', 'f-status']) {
    $(id).addEventListener('change', () => load('live', loadLive));
  }
  $('live-pause').addEventListener('click', (ev) => {
    live.paused = !live.paused;
    ev.currentTarget.setAttribute('aria-pressed', String(live.paused));
    ev.currentTarget.textContent = live.paused ? 'resume' : 'pause';
    if (!live.paused) scheduleFlush();
    liveCount();
  });
  let lastWidth = 0;
  new ResizeObserver(() => {
    const w = $('spend-chart').clientWidth;
    if (w && w !== lastWidth) { lastWidth = w; drawSpend(); }
  }).observe($('spend-chart'));
  window.addEventListener('hashchange', route);
  setInterval(() => {
    if (document.hidden || current === 'live' || current === 'request') return;
    refresh();
  }, REFRESH_MS);
  route();
}

start();
