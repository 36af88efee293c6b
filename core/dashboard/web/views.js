// llmgw dashboard: the breakdown, caps, providers and prompt-cache health views.
// One of the page's classic scripts (index.html loads them in order, deferred); they share the
// global scope, so a name declared in an earlier file is visible in a later one.
'use strict';

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
