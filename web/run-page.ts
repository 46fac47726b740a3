import { CLIENT_HELPERS, SSE_CLIENT } from './client-helpers.ts';
import { escapeHtml, htmlDocument, siteHeader } from './html.ts';
import { LOCAL_PAGE_AUTH, type PageAuth } from './page-auth.ts';

const PAGE_CSS = `
.crumbs { margin: 0 0 0.5rem; }
.run-head { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: baseline; }
.timeline td.bar-cell { width: 40%; min-width: 10rem; }
.track { position: relative; height: 0.9rem; background: #eef1f5; border-radius: 3px; }
.track > span { position: absolute; top: 0; bottom: 0; min-width: 3px; border-radius: 3px; background: #2f74c0; }
.track.status-running > span, .track.status-waiting > span { background: #c9a000; }
.track.status-failed > span { background: #c62828; }
.track.status-succeeded > span { background: #2e7d4f; }
/* A step's detail is JSON with long unbroken ids: it wraps inside its cell rather than widening the table. */
td.detail { overflow-wrap: anywhere; min-width: 16rem; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.events-head { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: baseline; justify-content: space-between; }
.event-list { list-style: none; margin: 0; padding: 0; max-height: 22rem; overflow: auto; }
.event-list li { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; padding: 0.35rem 0; border-top: 1px solid var(--border); }
.event-list li:first-child { border-top: 0; }
.event-list .seq { color: var(--muted); min-width: 2.5rem; font-variant-numeric: tabular-nums; }
`;

/**
 * `GET /runs/{id}`: one analysis run like the Step Functions console: each state in order with its
 * status, start, duration and a bar placed on the run's time axis. Like the dashboard it is a shell
 * that carries no data; its script reads `/api/v1/runs/{id}` (under the base path), then follows the run's event stream
 * (`/api/v1/runs/{id}/events`, read with fetch so it can carry the bearer header) and reloads the run
 * as states start and finish, until RUN_FINISHED or RUN_ERROR.
 */
export function runTimelinePage(auth: PageAuth = LOCAL_PAGE_AUTH, basePath = ''): string {
  const body = `${siteHeader(basePath)}
<main id="main" class="page">
<nav aria-label="Breadcrumb" class="crumbs small"><a href="${escapeHtml(`${basePath}/`)}">Accounts</a> › Run</nav>
<h1 id="run-heading">Analysis run</h1>
<div id="run-state"><p class="muted" role="status">Loading the run…</p></div>
<section class="card" aria-labelledby="summary-heading" id="run-summary" hidden>
<h2 id="summary-heading">Summary</h2>
<dl class="fields" id="run-fields"></dl>
</section>
<section class="card" aria-labelledby="timeline-heading" id="run-timeline" hidden>
<h2 id="timeline-heading">States</h2>
<div class="table-wrap">
<table class="timeline" data-testid="run-timeline">
<caption class="visually-hidden">Each state of the run in order, with when it started and how long it took</caption>
<thead><tr><th scope="col">#</th><th scope="col">State</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col" class="num">Duration</th><th scope="col">Timeline</th></tr></thead>
<tbody id="timeline-rows"></tbody>
</table>
</div>
</section>
<section class="card" aria-labelledby="history-heading" id="run-history" hidden>
<h2 id="history-heading">Execution event history</h2>
<div class="table-wrap">
<table>
<caption class="visually-hidden">The state machine's steps for this run</caption>
<thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col" class="num">Duration</th><th scope="col">Detail</th></tr></thead>
<tbody id="history-rows"></tbody>
</table>
</div>
</section>
<section class="card" aria-labelledby="events-heading" id="run-events" hidden>
<div class="events-head">
<h2 id="events-heading">Events</h2>
<span class="badge tone-neutral" id="stream-status" role="status" data-testid="stream-status">Connecting…</span>
</div>
<ol class="event-list small" id="event-list" data-testid="run-events"></ol>
</section>
</main>`;
  return htmlDocument({ title: 'Run · Sergas', body, css: PAGE_CSS, script: RUN_SCRIPT, auth, basePath });
}

export const RUN_SCRIPT = `(function () {
  'use strict';
${CLIENT_HELPERS}
${SSE_CLIENT}
  var TONE = { COMPLETED: 'tone-ok', FAILED: 'tone-danger', AWAITING_APPROVAL: 'tone-caution', SUCCEEDED: 'tone-ok', WAITING: 'tone-caution', RUNNING: 'tone-info' };

  function ms(iso) { var t = new Date(iso).getTime(); return isNaN(t) ? null : t; }

  function bar(startIso, endIso, axis, status) {
    var start = ms(startIso);
    var end = ms(endIso) || axis.end;
    var track = h('div', { class: 'track status-' + String(status).toLowerCase(), 'aria-hidden': 'true' });
    if (start === null || axis.end <= axis.start) return track;
    var fill = h('span');
    fill.style.left = (((start - axis.start) / (axis.end - axis.start)) * 100).toFixed(2) + '%';
    fill.style.width = (((end - start) / (axis.end - axis.start)) * 100).toFixed(2) + '%';
    track.append(fill);
    return track;
  }

  function render(run) {
    var runId = run.id;
    byId('run-heading').textContent = 'Analysis run ' + runId;
    byId('run-state').replaceChildren();
    var fields = byId('run-fields');
    fields.replaceChildren();
    appendChild(fields, [
      h('dt', { text: 'Status' }), h('dd', null, h('span', { class: 'badge ' + (TONE[run.status] || 'tone-neutral'), 'data-testid': 'run-status', text: humanize(run.status) })),
      h('dt', { text: 'Account' }), h('dd', { 'data-testid': 'run-account' }, run.account_name ? [run.account_name + ' ', h('span', { class: 'mono muted small', text: run.account_id })] : h('span', { class: 'mono', text: run.account_id })),
      h('dt', { text: 'Started' }), h('dd', null, timeEl(run.started_at)),
      h('dt', { text: 'Ended' }), h('dd', null, timeEl(run.ended_at)),
      h('dt', { text: 'Requested by' }), h('dd', { text: run.requested_by || 'Schedule' }),
      run.error ? [h('dt', { text: 'Error' }), h('dd', { class: 'mono', text: run.error + (run.cause ? ': ' + run.cause : '') })] : null]);
    byId('run-summary').hidden = false;

    var timings = Array.isArray(run.timings) ? run.timings : [];
    var axis = { start: ms(run.started_at) || Date.now(), end: ms(run.ended_at) || Date.now() };
    timings.forEach(function (t) {
      var s = ms(t.started_at); var e = ms(t.ended_at);
      if (s !== null && s < axis.start) axis.start = s;
      if (e !== null && e > axis.end) axis.end = e;
    });
    var last = timings.length - 1;
    byId('timeline-rows').replaceChildren.apply(byId('timeline-rows'), timings.map(function (t, i) {
      var status = t.ended_at ? 'SUCCEEDED' : (t.state === 'AWAITING_APPROVAL' ? 'WAITING' : 'RUNNING');
      if (t.state === 'FAILED') status = 'FAILED';
      if (i === last && (t.state === 'COMPLETED' || t.state === 'FAILED')) status = t.state === 'COMPLETED' ? 'SUCCEEDED' : 'FAILED';
      return h('tr', { 'data-state': t.state },
        h('td', { class: 'num', text: String(i + 1) }),
        h('th', { scope: 'row', class: 'mono', text: t.state }),
        h('td', null, h('span', { class: 'badge ' + (TONE[status] || 'tone-neutral'), text: humanize(status) })),
        h('td', null, timeEl(t.started_at)),
        h('td', { class: 'num', text: duration(t.duration_ms) }),
        h('td', { class: 'bar-cell' }, bar(t.started_at, t.ended_at, axis, status)));
    }));
    byId('run-timeline').hidden = false;

    var history = Array.isArray(run.history) ? run.history : [];
    byId('history-rows').replaceChildren.apply(byId('history-rows'), history.map(function (step) {
      return h('tr', null,
        h('th', { scope: 'row', text: step.state }),
        h('td', null, h('span', { class: 'badge ' + (TONE[step.status] || 'tone-neutral'), text: humanize(step.status) })),
        h('td', null, timeEl(step.started_at)),
        h('td', { class: 'num', text: duration(step.duration_ms) }),
        h('td', { class: 'small detail', text: step.detail === null || step.detail === undefined ? '' : typeof step.detail === 'string' ? step.detail : JSON.stringify(step.detail) }));
    }));
    byId('run-history').hidden = history.length === 0;
  }

  var STREAM_TONE = { live: 'tone-info', reconnecting: 'tone-caution', finished: 'tone-ok', failed: 'tone-danger' };

  function streamStatus(kind, text) {
    var badge = byId('stream-status');
    badge.className = 'badge ' + (STREAM_TONE[kind] || 'tone-neutral');
    badge.setAttribute('data-state', kind);
    badge.textContent = text;
  }

  function eventDetail(event) {
    if (event.stepName) return event.stepName;
    if (event.type === 'RUN_ERROR') return event.message || '';
    if (event.type === 'CUSTOM' && event.name === 'approval_required' && event.value && event.value.approvalId) {
      // The approval's own page, by id: a URL from the stream never becomes a link as it is.
      return [humanize(event.name) + ' · ', h('a', { href: siteUrl('/approvals/' + encodeURIComponent(event.value.approvalId)) }, 'Review')];
    }
    return event.name ? humanize(event.name) : '';
  }

  function eventItem(message) {
    var event = null;
    try { event = JSON.parse(message.data); } catch (ignored) { event = null; }
    var type = (event && event.type) || message.type;
    return h('li', { 'data-type': type, 'data-seq': message.lastEventId },
      h('span', { class: 'seq', text: '#' + message.lastEventId }),
      h('strong', { class: 'mono', text: type }),
      event ? h('span', null, eventDetail(event)) : null,
      event && typeof event.timestamp === 'number' ? timeEl(new Date(event.timestamp).toISOString()) : null);
  }

  var id = pathPart(1);
  var runUrl = siteUrl('/api/v1/runs/' + encodeURIComponent(id));
  var reloadTimer = null;

  // Replayed events arrive in a burst: one reload of the run after the burst, not one per event.
  function reloadSoon() {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(function () {
      reloadTimer = null;
      getJson(runUrl).then(render).catch(function () { /* the stream keeps going; the next event retries */ });
    }, 250);
  }

  function follow() {
    byId('run-events').hidden = false;
    readEventStream(runUrl + '/events', {
      onOpen: function () { streamStatus('live', 'Live'); },
      onEvent: function (message) {
        // Follows the newest event unless the reader has scrolled up to look at older ones.
        var list = byId('event-list');
        var following = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
        list.append(eventItem(message));
        if (following) list.scrollTop = list.scrollHeight;
        if (message.type !== 'CUSTOM') reloadSoon();
      },
      isLast: function (message) { return message.type === 'RUN_FINISHED' || message.type === 'RUN_ERROR'; },
      onError: function () { streamStatus('reconnecting', 'Reconnecting…'); },
      onEnd: function (reason, error) {
        if (reason === 'finished') streamStatus('finished', 'Run ended');
        else streamStatus('failed', error && error.status === 401 ? 'Sign in to follow the run' : 'Stream unavailable');
      }
    });
  }

  getJson(runUrl).then(function (run) {
    render(run);
    follow();
  }).catch(function (error) {
    showError(byId('run-state'), 'run', error);
  });
})();`;
