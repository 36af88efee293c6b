// llmgw dashboard: the overview (big numbers) and the spend chart (SVG).
// One of the page's classic scripts (index.html loads them in order, deferred); they share the
// global scope, so a name declared in an earlier file is visible in a later one.
'use strict';

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
