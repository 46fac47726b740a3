import { CLIENT_HELPERS } from './client-helpers.ts';
import { escapeHtml, htmlDocument, siteHeader } from './html.ts';
import { LOCAL_PAGE_AUTH, type PageAuth } from './page-auth.ts';

const PAGE_CSS = `
.crumbs { margin: 0 0 0.5rem; }
.brief-actions { margin: 0; padding-left: 1.1rem; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

/**
 * `GET /owners/{id}/brief`: an owner's daily brief (DOMAIN-RULES "Owner brief"). A shell like the
 * dashboard; its script reads `/api/v1/owners/{id}/brief` as the signed-in person (AUTH_CLIENT).
 */
export function ownerBriefPage(auth: PageAuth = LOCAL_PAGE_AUTH, basePath = ''): string {
  const body = `${siteHeader(basePath)}
<main id="main" class="page">
<nav aria-label="Breadcrumb" class="crumbs small"><a href="${escapeHtml(`${basePath}/`)}">Accounts</a> › Owner brief</nav>
<h1 id="brief-heading">Daily brief</h1>
<p id="brief-lede" class="muted"></p>
<div id="brief-state"><p class="muted" role="status">Loading the brief…</p></div>
<section class="card" aria-labelledby="brief-accounts-heading" id="brief-accounts" hidden>
<h2 id="brief-accounts-heading">Accounts to look at</h2>
<div class="table-wrap">
<table data-testid="brief-accounts">
<thead><tr><th scope="col">Account</th><th scope="col">Risk</th><th scope="col" class="num">Health</th><th scope="col" class="num">Priority</th><th scope="col">Suggested actions</th></tr></thead>
<tbody id="brief-rows"></tbody>
</table>
</div>
</section>
<section class="card" aria-labelledby="brief-approvals-heading" id="brief-approvals" hidden>
<h2 id="brief-approvals-heading">Waiting for your approval</h2>
<ul id="brief-approval-list"></ul>
</section>
</main>`;
  return htmlDocument({ title: 'Owner brief · Sergas', body, css: PAGE_CSS, script: BRIEF_SCRIPT, auth, basePath });
}

export const BRIEF_SCRIPT = `(function () {
  'use strict';
${CLIENT_HELPERS}
  var TONE = { critical: 'tone-danger', high: 'tone-warn', medium: 'tone-caution', low: 'tone-info', none: 'tone-neutral' };

  function approvalLink(id, label) {
    return h('a', { href: siteUrl('/approvals/' + encodeURIComponent(id)) }, label);
  }

  function render(brief) {
    var owner = (brief.owner && brief.owner.name) || 'Owner';
    byId('brief-heading').textContent = 'Daily brief of ' + owner;
    byId('brief-lede').textContent = brief.no_updates
      ? 'No updates today.'
      : brief.total_accounts + ' accounts · about ' + brief.estimated_review_minutes + ' minutes to review · ' + brief.date;
    byId('brief-state').replaceChildren();
    var accounts = Array.isArray(brief.accounts) ? brief.accounts : [];
    byId('brief-rows').replaceChildren.apply(byId('brief-rows'), accounts.map(function (a) {
      var actions = Array.isArray(a.actions) ? a.actions : [];
      return h('tr', null,
        h('th', { scope: 'row', text: a.name }),
        h('td', null, h('span', { class: 'badge ' + (TONE[a.risk_level] || 'tone-neutral'), text: humanize(a.risk_level) })),
        h('td', { class: 'num', text: typeof a.health_score === 'number' ? String(a.health_score) : '—' }),
        h('td', { class: 'num', text: String(a.priority_score) }),
        h('td', null, actions.length ? h('ul', { class: 'brief-actions' }, actions.map(function (action) {
          return h('li', null, action.action,
            action.approval_id ? [' · ', approvalLink(action.approval_id, 'Review')] : null);
        })) : h('span', { class: 'muted', text: 'None' })));
    }));
    byId('brief-accounts').hidden = accounts.length === 0;
    var approvals = Array.isArray(brief.pending_approvals) ? brief.pending_approvals : [];
    byId('brief-approval-list').replaceChildren.apply(byId('brief-approval-list'), approvals.map(function (a) {
      return h('li', null, approvalLink(a.id, (a.account && a.account.name) || 'Account'), ': ' + a.action);
    }));
    byId('brief-approvals').hidden = approvals.length === 0;
  }

  var id = pathPart(1);
  getJson(siteUrl('/api/v1/owners/' + encodeURIComponent(id) + '/brief')).then(render).catch(function (error) {
    showError(byId('brief-state'), 'brief', error);
  });
})();`;
