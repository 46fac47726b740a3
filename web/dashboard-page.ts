import { CLIENT_HELPERS } from './client-helpers.ts';
import { escapeHtml, htmlDocument, siteHeader } from './html.ts';
import { LOCAL_PAGE_AUTH, type PageAuth } from './page-auth.ts';

const RISK_FILTERS = [
  { level: 'all', label: 'All' },
  { level: 'critical', label: 'Critical' },
  { level: 'high', label: 'High' },
  { level: 'medium', label: 'Medium' },
  { level: 'low', label: 'Low' },
  { level: 'none', label: 'None' },
] as const;

const PAGE_CSS = `
.summary-bar { max-width: 1280px; margin: 0 auto; padding: 0 1.25rem 0.75rem; display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; justify-content: space-between; }
.chips { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
.chips-label { color: var(--muted); font-size: 0.85rem; margin-right: 0.25rem; }
.chip {
  display: inline-flex; align-items: center; gap: 0.4rem; min-height: 2.25rem; padding: 0.25rem 0.8rem;
  border-radius: 999px; border: 1px solid var(--border-strong); background: var(--surface); color: var(--text);
  font: inherit; font-size: 0.9rem; cursor: pointer;
}
.chip:hover { background: #eef1f5; }
.chip .dot { width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--dot, #8a939d); }
.chip .count { font-weight: 700; font-variant-numeric: tabular-nums; }
.chip[aria-pressed="true"] { background: #16324f; border-color: #16324f; color: #fff; }
.chip[aria-pressed="true"] .dot { box-shadow: 0 0 0 2px #fff; }
.chip[data-risk="critical"] { --dot: #c62828; }
.chip[data-risk="high"] { --dot: #d9640b; }
.chip[data-risk="medium"] { --dot: #c9a000; }
.chip[data-risk="low"] { --dot: #2f74c0; }
.chip[data-risk="none"] { --dot: #8a939d; }
.chip[data-risk="all"] .dot { display: none; }
.pending-pill { display: inline-flex; gap: 0.4rem; align-items: center; font-weight: 600; text-decoration: none; padding: 0.3rem 0.8rem; border-radius: 999px; background: var(--caution-bg); color: var(--caution-fg); border: 1px solid var(--caution-line); }
.pending-pill:hover { color: var(--caution-fg); text-decoration: underline; }

.layout { display: grid; gap: 1.25rem; grid-template-columns: minmax(0, 1fr); align-items: start; }
@media (min-width: 1100px) { .layout { grid-template-columns: minmax(0, 1fr) 22rem; } .approvals { position: sticky; top: 1rem; max-height: calc(100vh - 2rem); overflow: auto; } }
.section-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 0.5rem; }
.section-head p { margin: 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end; margin: 0.5rem 0 0.75rem; }
.control { display: grid; gap: 0.25rem; }
.control label { font-size: 0.85rem; font-weight: 600; color: var(--muted); }
.control.grow { flex: 1 1 16rem; }
.control select, .control input {
  font: inherit; min-height: 2.4rem; padding: 0.35rem 0.6rem; border: 1px solid var(--border-strong);
  border-radius: 6px; background: #fff; color: var(--text); max-width: 100%;
}
.control input { width: 100%; }
kbd { font: 0.75rem ui-monospace, monospace; border: 1px solid var(--border-strong); border-bottom-width: 2px; border-radius: 4px; padding: 0 0.3rem; background: #fff; }

.list { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); overflow: hidden; }
.cols { display: grid; grid-template-columns: minmax(0, 2.2fr) minmax(0, 1.3fr) 6.5rem 9rem 5rem; gap: 0.75rem; align-items: center; }
.list-head { padding: 0.5rem 1rem 0.5rem calc(2rem + 4px); font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); font-weight: 700; border-bottom: 1px solid var(--border-strong); background: #fafbfc; }
.list-head .num, .cell.priority { text-align: right; }
.account-list { list-style: none; margin: 0; padding: 0; }
.account { border-bottom: 1px solid var(--border); border-left: 4px solid var(--neutral-line); }
.account:last-child { border-bottom: 0; }
.account[data-risk="critical"] { border-left-color: #c62828; }
.account[data-risk="high"] { border-left-color: #d9640b; }
.account[data-risk="medium"] { border-left-color: #c9a000; }
.account[data-risk="low"] { border-left-color: #2f74c0; }
.account summary { list-style: none; cursor: pointer; padding: 0.65rem 1rem 0.65rem 2rem; position: relative; }
.account summary::-webkit-details-marker { display: none; }
.account summary::before {
  content: ""; position: absolute; left: 0.85rem; top: 1.1rem; width: 0.45rem; height: 0.45rem;
  border-right: 2px solid var(--muted); border-bottom: 2px solid var(--muted); transform: rotate(-45deg); transition: transform 0.15s;
}
.account details[open] > summary::before { transform: rotate(45deg); }
.account summary:hover { background: #f7f9fb; }
.account summary:focus-visible { outline-offset: -3px; }
.account-name { font-weight: 600; overflow-wrap: anywhere; }
.tag { display: inline-block; margin-left: 0.4rem; padding: 0 0.4rem; border-radius: 4px; font-size: 0.75rem; font-weight: 600; background: var(--info-bg); color: var(--info-fg); border: 1px solid var(--info-line); vertical-align: 0.1em; }
.cell { min-width: 0; overflow-wrap: anywhere; }
.cell.priority { font-variant-numeric: tabular-nums; font-weight: 600; }
.health-text { font-variant-numeric: tabular-nums; }
.health-text .band { color: var(--muted); font-size: 0.85rem; margin-left: 0.3rem; }
.meter { display: block; height: 4px; border-radius: 2px; background: #e3e7ec; margin-top: 0.25rem; overflow: hidden; }
.meter > span { display: block; height: 100%; background: #5b6b7d; }
.meter.band-healthy > span { background: #2e7d4f; }
.meter.band-moderate > span { background: #c9a000; }
.meter.band-at_risk > span { background: #d9640b; }
.meter.band-critical > span { background: #c62828; }
.sparkline { display: block; margin-top: 0.3rem; overflow: visible; }
.sparkline polyline { stroke: #5b6b7d; stroke-width: 1.5; stroke-linejoin: round; stroke-linecap: round; }
.sparkline.up polyline { stroke: #2e7d4f; }
.sparkline.down polyline { stroke: #c62828; }
.cell-label { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.details-body { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem 1.5rem; padding: 0.25rem 1rem 1rem 2rem; }
.details-body ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.6rem; }
.details-body p { margin: 0.2rem 0 0; }
.item { border: 1px solid var(--border); border-radius: 6px; padding: 0.55rem 0.7rem; background: #fcfcfd; }
.item-head { display: flex; flex-wrap: wrap; gap: 0.35rem 0.5rem; align-items: center; }
.evidence { margin-top: 0.35rem !important; gap: 0.15rem !important; }
.evidence li { font-size: 0.8rem; color: var(--muted); overflow-wrap: anywhere; }
.review { margin-top: 0.45rem; min-height: 2rem; padding: 0.2rem 0.8rem; font-size: 0.9rem; }
.run-line { grid-column: 1 / -1; margin: 0 !important; }

.state { padding: 1.25rem 1rem; margin: 0; }
.state.notice { margin: 0.75rem; }
.state .button { margin-top: 0.5rem; }

.approvals h2 { display: flex; gap: 0.5rem; align-items: baseline; }
.approval-list { list-style: none; margin: 0; padding: 0; }
.approval-list li { padding: 0.7rem 0; border-top: 1px solid var(--border); }
.approval-list li:first-child { border-top: 0; padding-top: 0.25rem; }
.approval-account { font-weight: 600; }
.approval-list p { margin: 0.2rem 0 0; overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: 0.25rem 0.6rem; align-items: center; }

@media (max-width: 760px) {
  .list-head { display: none; }
  .cols { grid-template-columns: 1fr 1fr; gap: 0.35rem 0.75rem; }
  .cell.name { grid-column: 1 / -1; }
  .cell.priority { text-align: left; }
  .cell-label { position: static; width: auto; height: auto; margin: 0; clip: auto; white-space: normal; color: var(--muted); font-size: 0.8rem; display: block; }
  .summary-bar, .site-header .bar { padding-left: 0.75rem; padding-right: 0.75rem; }
  .details-body { padding-left: 1rem; }
}
`;

/**
 * The dashboard shell. It is the same for everyone and carries no account data (it is served
 * without authentication); the inline script fetches `/api/v1/accounts` (every page) and
 * `/api/v1/approvals` (same origin, under `basePath`, as the signed-in person: AUTH_CLIENT) and renders them.
 */
export function dashboardPage(auth: PageAuth = LOCAL_PAGE_AUTH, basePath = ''): string {
  const chips = RISK_FILTERS.map(
    ({ level, label }) =>
      `<button type="button" class="chip" id="risk-filter-${escapeHtml(level)}" data-risk="${escapeHtml(level)}" data-testid="risk-filter-${escapeHtml(level)}" aria-pressed="${level === 'all'}"><span class="dot" aria-hidden="true"></span>${escapeHtml(label)} <span class="count" id="count-${escapeHtml(level)}">–</span><span class="visually-hidden"> accounts</span></button>`,
  ).join('\n');
  const summary = `
<div class="summary-bar">
<div class="chips" role="group" aria-labelledby="chips-label">
<span class="chips-label" id="chips-label">Risk</span>
${chips}
</div>
<a class="pending-pill" href="#pending-approvals">Pending approvals <span id="count-pending">–</span></a>
</div>`;
  const body = `${siteHeader(basePath, summary)}
<main id="main" class="page">
<noscript><p class="notice tone-caution">The dashboard needs JavaScript to load accounts. Approval links work without it.</p></noscript>
<div class="layout">
<section class="accounts" aria-labelledby="accounts-heading">
<div class="section-head">
<h1 id="accounts-heading">Accounts</h1>
<p id="result-count" class="muted small" role="status" aria-live="polite"></p>
</div>
<form class="toolbar" id="filters" role="search" aria-label="Filter accounts">
<div class="control">
<label for="owner-filter">Owner</label>
<select id="owner-filter"><option value="">All owners</option></select>
</div>
<div class="control grow">
<label for="search">Account name <span class="small">(press <kbd>/</kbd>)</span></label>
<input type="search" id="search" placeholder="Search accounts" autocomplete="off" spellcheck="false">
</div>
</form>
<div class="list">
<div class="list-head cols" aria-hidden="true"><span>Account</span><span>Owner</span><span>Risk</span><span>Health</span><span class="num">Priority</span></div>
<div id="accounts-state"><p class="state muted" role="status">Loading accounts…</p></div>
<ul class="account-list" id="account-list" aria-labelledby="accounts-heading"></ul>
</div>
</section>
<section class="card approvals" id="pending-approvals" data-testid="pending-approvals" aria-labelledby="approvals-heading">
<h2 id="approvals-heading">Pending approvals <span class="muted small" id="approvals-count"></span></h2>
<div id="approvals-state"><p class="muted" role="status">Loading approvals…</p></div>
<ol class="approval-list" id="approval-list"></ol>
</section>
</div>
</main>`;
  return htmlDocument({ title: 'Accounts · Sergas', body, css: PAGE_CSS, script: DASHBOARD_SCRIPT, auth, basePath });
}

/**
 * The dashboard's behavior. Plain ES2020 in a string (no build step). It builds every node with
 * createElement/textContent and never assigns HTML, so CRM text cannot become markup in the
 * browser: that is the client-side counterpart of `escapeHtml`.
 * Written without template literals or backslashes so it survives being inside this TS string.
 */
export const DASHBOARD_SCRIPT = `(function () {
  'use strict';
${CLIENT_HELPERS}
  var RISKS = ['critical', 'high', 'medium', 'low', 'none'];
  var RISK_LABEL = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', none: 'None' };
  var TONE = {
    critical: 'tone-danger', high: 'tone-warn', medium: 'tone-caution', low: 'tone-info', none: 'tone-neutral',
    opportunity: 'tone-ok',
    pending: 'tone-caution', blocked: 'tone-danger', approved: 'tone-ok', executed: 'tone-ok', rejected: 'tone-neutral'
  };
  var BAND_LABEL = { healthy: 'Healthy', moderate: 'Moderate', at_risk: 'At risk', critical: 'Critical' };
  var RISK_FILTERS = ['all'].concat(RISKS);

  var state = { risk: 'all', owner: '', q: '' };
  var rows = [];
  var total = 0;
  var loaded = false;
  var approvalsLoaded = false;

  function badge(label, tone) { return h('span', { class: 'badge ' + (TONE[tone] || 'tone-neutral') }, label); }

  function percent(value) {
    return typeof value === 'number' && isFinite(value) ? Math.round(value * 100) + '%' : '—';
  }

  function approvalHref(id) { return siteUrl('/approvals/' + encodeURIComponent(id)); }

  // Only paths on this site (the API's are, without BASE): a URL from the API must never become a
  // javascript: or off-site link (browsers read a backslash after the first slash as a second slash).
  function safePath(url, fallbackId) {
    var onSite = typeof url === 'string' && url.charAt(0) === '/' && url.charAt(1) !== '/' && url.charAt(1) !== String.fromCharCode(92);
    return onSite ? siteUrl(url) : approvalHref(fallbackId);
  }

  function relativeTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return '';
    var seconds = (date.getTime() - Date.now()) / 1000;
    var abs = Math.abs(seconds);
    var rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
    if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
    if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
    return rtf.format(Math.round(seconds / 86400), 'day');
  }

  function relativeTimeEl(prefix, iso) {
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) return null;
    return h('time', { datetime: date.toISOString(), title: date.toLocaleString() }, prefix + relativeTime(iso));
  }

  function riskRank(level) { var i = RISKS.indexOf(level); return i < 0 ? RISKS.length : i; }

  function compareAccounts(a, b) {
    return riskRank(a.risk_level) - riskRank(b.risk_level) ||
      (typeof b.priority_score === 'number' ? b.priority_score : -1) - (typeof a.priority_score === 'number' ? a.priority_score : -1) ||
      String(a.name).localeCompare(String(b.name));
  }

  function evidenceText(e) {
    var value = e.value === null || e.value === undefined || e.value === '' ? '(empty)' : String(e.value);
    return e.module + ' ' + e.field + ' = ' + value + ' (' + e.id + ')';
  }

  function signalItem(s) {
    var severity = s.severity === 'opportunity' ? 'Opportunity' : humanize(s.severity);
    var evidence = Array.isArray(s.evidence) ? s.evidence : [];
    return h('li', { class: 'item' },
      h('div', { class: 'item-head' }, badge(severity, s.severity), h('strong', { text: humanize(s.type) })),
      s.detail ? h('p', { text: s.detail }) : null,
      evidence.length ? h('ul', { class: 'evidence mono', 'aria-label': 'Evidence' },
        evidence.map(function (e) { return h('li', { text: evidenceText(e) }); })) : null);
  }

  function recommendationItem(r, account) {
    var review = r.status === 'pending' && r.approval_id
      ? h('a', { class: 'button review', href: approvalHref(r.approval_id) }, 'Review',
          h('span', { class: 'visually-hidden', text: ' the recommendation for ' + account.name }))
      : null;
    return h('li', { class: 'item' },
      h('div', { class: 'item-head' },
        h('strong', { text: humanize(r.type) }),
        badge(humanize(r.priority) + ' priority', r.priority),
        h('span', { class: 'muted small', text: percent(r.confidence) + ' confidence' }),
        badge(humanize(r.status), r.status)),
      h('p', { text: r.action }),
      review);
  }

  function healthCell(health) {
    if (!health) return h('span', { class: 'muted', text: 'Not analyzed' });
    var score = Math.max(0, Math.min(100, Number(health.score) || 0));
    var fill = h('span');
    fill.style.width = score + '%';
    var bar = h('span', { class: 'meter band-' + health.band, 'aria-hidden': 'true' }, fill);
    return [h('span', { class: 'health-text' }, String(health.score), h('span', { class: 'band', text: BAND_LABEL[health.band] || humanize(health.band) })), bar];
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';

  // The health of the last reviews as an inline SVG line; its label says it in words for screen readers.
  function sparkline(trend) {
    var scores = (Array.isArray(trend) ? trend : []).filter(function (n) { return typeof n === 'number' && isFinite(n); });
    if (scores.length < 2) return null;
    var width = 80;
    var height = 20;
    var points = scores.map(function (score, i) {
      var x = 2 + (i * (width - 4)) / (scores.length - 1);
      var y = height - 2 - (Math.max(0, Math.min(100, score)) * (height - 4)) / 100;
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    var first = Math.round(scores[0]);
    var last = Math.round(scores[scores.length - 1]);
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'sparkline ' + (last < first ? 'down' : last > first ? 'up' : 'flat'));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Health ' + first + ' → ' + last + ' over ' + scores.length + ' reviews');
    svg.setAttribute('data-testid', 'health-sparkline');
    var line = document.createElementNS(SVG_NS, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('fill', 'none');
    svg.append(line);
    return svg;
  }

  function accountRow(a) {
    var owner = (a.owner && a.owner.name) || 'Unassigned';
    var signals = Array.isArray(a.signals) ? a.signals : [];
    var recs = Array.isArray(a.recommendations) ? a.recommendations : [];
    var summary = h('summary', { class: 'cols' },
      h('span', { class: 'cell name' },
        h('span', { class: 'account-name', text: a.name }),
        a.needs_review ? h('span', { class: 'tag', text: 'Needs review' }) : null),
      h('span', { class: 'cell owner' }, h('span', { class: 'cell-label', text: 'Owner ' }), owner),
      h('span', { class: 'cell risk' }, h('span', { class: 'cell-label', text: 'Risk ' }),
        badge(RISK_LABEL[a.risk_level] || humanize(a.risk_level), a.risk_level)),
      h('span', { class: 'cell health' }, h('span', { class: 'cell-label', text: 'Health ' }), healthCell(a.health), sparkline(a.health_trend)),
      h('span', { class: 'cell priority' }, h('span', { class: 'cell-label', text: 'Priority ' }),
        typeof a.priority_score === 'number' ? String(a.priority_score) : '—'));
    var body = h('div', { class: 'details-body' },
      h('div', null, h('h3', { text: 'Signals (' + signals.length + ')' }),
        signals.length ? h('ul', null, signals.map(signalItem)) : h('p', { class: 'muted', text: 'No signals.' })),
      h('div', null, h('h3', { text: 'Recommendations (' + recs.length + ')' }),
        recs.length ? h('ul', null, recs.map(function (r) { return recommendationItem(r, a); }))
          : h('p', { class: 'muted', text: 'No recommendations.' })),
      h('p', { class: 'run-line muted small' },
        a.run ? ['Latest analysis run: ' + humanize(a.run.status) + ' · ',
          h('a', { href: siteUrl('/runs/' + encodeURIComponent(a.run.id)), 'data-testid': 'run-link' }, 'Run timeline',
            h('span', { class: 'visually-hidden', text: ' of ' + a.name }))] : 'Not analyzed yet',
        a.owner && a.owner.id ? [' · ', h('a', { href: siteUrl('/owners/' + encodeURIComponent(a.owner.id) + '/brief') },
          'Daily brief of ' + owner)] : null));
    return h('li', { class: 'account', 'data-testid': 'account-row', 'data-risk': a.risk_level, 'data-account-id': a.id },
      h('details', null, summary, body));
  }

  function matches(row) {
    var a = row.account;
    if (state.risk !== 'all' && a.risk_level !== state.risk) return false;
    if (state.owner && row.ownerId !== state.owner) return false;
    if (state.q && row.name.indexOf(state.q.toLowerCase()) < 0) return false;
    return true;
  }

  function applyFilters() {
    var shown = 0;
    rows.forEach(function (row) {
      var visible = matches(row);
      row.el.hidden = !visible;
      if (visible) shown++;
    });
    RISK_FILTERS.forEach(function (level) {
      var chip = byId('risk-filter-' + level);
      if (chip) chip.setAttribute('aria-pressed', String(state.risk === level));
    });
    if (!loaded) return;
    byId('result-count').textContent = shown === total
      ? total + (total === 1 ? ' account' : ' accounts')
      : 'Showing ' + shown + ' of ' + total + ' accounts';
    var stateBox = byId('accounts-state');
    if (total === 0) {
      stateBox.replaceChildren(h('p', { class: 'state muted', text: 'No accounts yet: sync Zoho and run an analysis first.' }));
    } else if (shown === 0) {
      var clear = h('button', { type: 'button', class: 'button' }, 'Clear filters');
      clear.addEventListener('click', function () { setState({ risk: 'all', owner: '', q: '' }, true); });
      stateBox.replaceChildren(h('div', { class: 'state' }, h('p', { class: 'muted', text: 'No accounts match these filters.' }), clear));
    } else {
      stateBox.replaceChildren();
    }
  }

  function setState(next, syncControls) {
    Object.keys(next).forEach(function (key) { state[key] = next[key]; });
    if (syncControls) {
      byId('owner-filter').value = state.owner;
      byId('search').value = state.q;
    }
    applyFilters();
    saveToUrl();
  }

  // Filters live in the query string so a filtered view can be bookmarked or shared.
  function saveToUrl() {
    try {
      var params = new URLSearchParams();
      if (state.risk !== 'all') params.set('risk', state.risk);
      if (state.owner) params.set('owner', state.owner);
      if (state.q) params.set('q', state.q);
      var query = params.toString();
      history.replaceState(null, '', location.pathname + (query ? '?' + query : '') + location.hash);
    } catch (ignored) { /* e.g. a sandboxed frame: filtering still works */ }
  }

  function readFromUrl() {
    try {
      var params = new URLSearchParams(location.search);
      var risk = params.get('risk');
      if (risk && RISK_FILTERS.indexOf(risk) >= 0) state.risk = risk;
      state.owner = params.get('owner') || '';
      state.q = params.get('q') || '';
    } catch (ignored) { /* keep the defaults */ }
  }

  function describeFailure(what, error) {
    var e = error || {};
    if (e.status === 401 || e.status === 403) {
      return 'Could not load ' + what + ': you are not signed in or your session has expired (HTTP ' + e.status + '). Sign in again, then reload this page.';
    }
    if (e.status) {
      return 'Could not load ' + what + ': the server answered HTTP ' + e.status + (e.detail ? ' (' + e.detail + ')' : '') + '. Try again in a moment.';
    }
    if (e.name === 'TimeoutError') return 'Could not load ' + what + ': the server took too long to answer. Try again.';
    if (e.network) return 'Could not load ' + what + ': the server could not be reached. Check your connection and try again.';
    return 'Could not show ' + what + ': something went wrong on this page (' + (e.message || e) + '). Reload to try again.';
  }

  function showError(box, what, error, retry) {
    if (error && error.status === 401) {
      // No session (or it expired): the API answers 401 until the reader signs in.
      box.replaceChildren(h('div', { class: 'state notice tone-caution', role: 'alert' },
        h('p', { text: describeFailure(what, error) }),
        h('a', { class: 'button primary', href: siteUrl('/sign-in?next=%2F'), 'data-testid': 'sign-in-link' }, 'Sign in')));
      return;
    }
    var button = h('button', { type: 'button', class: 'button' }, 'Try again');
    button.addEventListener('click', retry);
    box.replaceChildren(h('div', { class: 'state notice tone-danger', role: 'alert' }, h('p', { text: describeFailure(what, error) }), button));
  }

  function getJson(url) {
    var init = { headers: { accept: 'application/json' } };
    if (typeof AbortSignal !== 'undefined' && AbortSignal.timeout) init.signal = AbortSignal.timeout(20000);
    return apiFetch(url, init).catch(function (error) {
      // fetch rejects only when no HTTP answer arrived (offline, DNS, CORS, timeout).
      if (error && error.name !== 'TimeoutError') error.network = true;
      throw error;
    }).then(function (response) {
      if (response.ok) return response.json();
      return response.json().catch(function () { return null; }).then(function (body) {
        var failure = new Error('HTTP ' + response.status);
        failure.status = response.status;
        failure.detail = body && body.error && typeof body.error.message === 'string' ? body.error.message : '';
        throw failure;
      });
    });
  }

  function setCount(id, value) {
    var el = byId(id);
    if (el) el.textContent = typeof value === 'number' ? String(value) : '–';
  }

  function renderAccounts(data) {
    var accounts = (data && Array.isArray(data.accounts) ? data.accounts : []).slice().sort(compareAccounts);
    var summary = (data && data.summary) || {};
    var byRisk = summary.by_risk || {};
    total = accounts.length;
    setCount('count-all', typeof summary.accounts === 'number' ? summary.accounts : total);
    RISKS.forEach(function (level) {
      var counted = accounts.filter(function (a) { return a.risk_level === level; }).length;
      setCount('count-' + level, typeof byRisk[level] === 'number' ? byRisk[level] : counted);
    });
    // The approval queue itself is fresher than the summary's count, so it wins when both arrive.
    if (!approvalsLoaded && typeof summary.pending_approvals === 'number') setCount('count-pending', summary.pending_approvals);

    var owners = {};
    accounts.forEach(function (a) {
      if (a.owner && a.owner.id) owners[a.owner.id] = a.owner.name || a.owner.id;
    });
    var select = byId('owner-filter');
    var ownerIds = Object.keys(owners).sort(function (x, y) { return owners[x].localeCompare(owners[y]); });
    select.replaceChildren(h('option', { value: '' }, 'All owners'));
    ownerIds.forEach(function (id) { select.append(h('option', { value: id }, owners[id])); });
    if (state.owner && !owners[state.owner]) state.owner = '';

    var list = byId('account-list');
    rows = accounts.map(function (a) {
      return { account: a, el: accountRow(a), name: String(a.name).toLowerCase(), ownerId: a.owner ? a.owner.id : '' };
    });
    list.replaceChildren.apply(list, rows.map(function (row) { return row.el; }));
    loaded = true;
    setState({}, true);
  }

  function approvalItem(item) {
    var rec = item.recommendation || {};
    var accountName = (item.account && item.account.name) || 'Unknown account';
    var ownerName = item.owner && item.owner.name;
    return h('li', null,
      h('a', { class: 'approval-account', href: safePath(item.url, item.id), 'data-testid': 'approval-link' },
        accountName, h('span', { class: 'visually-hidden', text: ': review the ' + humanize(rec.type) + ' recommendation' })),
      h('p', { text: rec.action || '' }),
      h('p', { class: 'meta small muted' },
        badge(humanize(rec.priority) + ' priority', rec.priority),
        h('span', { text: humanize(rec.type) }),
        h('span', { text: percent(rec.confidence) + ' confidence' }),
        ownerName ? h('span', { text: 'Owner ' + ownerName }) : null,
        relativeTimeEl('Expires ', item.expires_at)));
  }

  function renderApprovals(data) {
    var approvals = data && Array.isArray(data.approvals) ? data.approvals : [];
    byId('approvals-count').textContent = '(' + approvals.length + ')';
    setCount('count-pending', approvals.length);
    approvalsLoaded = true;
    var list = byId('approval-list');
    list.replaceChildren.apply(list, approvals.map(approvalItem));
    var box = byId('approvals-state');
    if (approvals.length) box.replaceChildren();
    else box.replaceChildren(h('p', { class: 'muted', text: 'Nothing is waiting for approval.' }));
  }

  function loadAccounts() {
    byId('accounts-state').replaceChildren(h('p', { class: 'state muted', role: 'status', text: 'Loading accounts…' }));
    // The API pages (at most 100 accounts a page): follow next_cursor and render them all at once.
    function page(cursor, seen) {
      var url = siteUrl('/api/v1/accounts?limit=100') + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      return getJson(url).then(function (data) {
        var all = seen ? { accounts: seen.accounts.concat(data.accounts || []), summary: seen.summary } : data;
        return data && data.next_cursor ? page(data.next_cursor, all) : all;
      });
    }
    return page(null, null).then(renderAccounts).catch(function (error) {
      showError(byId('accounts-state'), 'accounts', error, loadAccounts);
    });
  }

  function loadApprovals() {
    byId('approvals-state').replaceChildren(h('p', { class: 'muted', role: 'status', text: 'Loading approvals…' }));
    return getJson(siteUrl('/api/v1/approvals?limit=100')).then(renderApprovals).catch(function (error) {
      showError(byId('approvals-state'), 'pending approvals', error, loadApprovals);
    });
  }

  RISK_FILTERS.forEach(function (level) {
    var chip = byId('risk-filter-' + level);
    if (chip) chip.addEventListener('click', function () { setState({ risk: level }, false); });
  });
  byId('owner-filter').addEventListener('change', function (event) { setState({ owner: event.target.value }, false); });
  byId('search').addEventListener('input', function (event) { setState({ q: event.target.value.trim() }, false); });
  byId('filters').addEventListener('submit', function (event) { event.preventDefault(); });
  document.addEventListener('keydown', function (event) {
    var target = event.target;
    var typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable);
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      byId('search').focus();
    }
  });

  readFromUrl();
  byId('search').value = state.q;
  applyFilters();
  loadAccounts();
  loadApprovals();
})();`;
