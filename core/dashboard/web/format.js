// llmgw dashboard: constants and formatting (money, tokens, times).
// One of the page's classic scripts (index.html loads them in order, deferred); they share the
// global scope, so a name declared in an earlier file is visible in a later one.
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
