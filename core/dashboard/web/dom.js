// llmgw dashboard: DOM helpers (elements are built, never parsed from strings: names in the
// ledger are untrusted), bars, colours and the API client.
// One of the page's classic scripts (index.html loads them in order, deferred); they share the
// global scope, so a name declared in an earlier file is visible in a later one.
'use strict';

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
