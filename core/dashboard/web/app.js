// llmgw dashboard: one page, views by hash route (#/overview, #/breakdown, #/caps, #/providers,
// #/live, #/request/<id>, #/cache). Plain JS, no framework, no network but this origin's
// /dashboard/api (the page runs under a strict CSP: no inline script or style, no CDN). The code is
// in classic scripts loaded in order by index.html (format, dom, overview, views, live, then this
// one: routing and start-up); they share the global scope.
'use strict';

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
