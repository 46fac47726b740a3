import { signInPath, sitePath } from './base-path.ts';
import { AUTH_CLIENT } from './client-helpers.ts';
import { escapeHtml, htmlDocument, humanize, percent, siteHeader, timeHtml } from './html.ts';
import { LOCAL_PAGE_AUTH, type PageAuth } from './page-auth.ts';

type EvidenceValue = string | number | boolean | null;

export interface ApprovalPageModel {
  approval: {
    id: string;
    status: 'pending' | 'approved' | 'rejected' | 'expired';
    expiresAt: string;
    decidedBy: string | null;
    decidedAt: string | null;
    reason: string | null;
  };
  recommendation: {
    id: string;
    type: string;
    priority: string;
    confidence: number;
    action: string;
    rationale: string;
    evidence: { module: string; id: string; field: string; value: EvidenceValue }[];
    draft:
      | null
      | { kind: 'email'; to: string | null; subject: string; body: string }
      | { kind: 'task'; subject: string; dueDate: string; description: string; ownerId: string }
      | { kind: 'note'; title: string; content: string }
      | {
          kind: 'field_update';
          module: string;
          recordId: string;
          field: string;
          before: string | number | null;
          after: string | number | null;
        };
    compliance: null | {
      approved: boolean;
      riskLevel: string;
      piiDetected: { type: string; location: string; preview: string }[];
      policyViolations: { rule: string; location: string; message: string; blocking: boolean }[];
    };
  };
  /** `ownerId`: null when the account is no longer in the CRM copy. */
  account: { id: string; name: string; ownerId: string | null; ownerName: string };
  payload: { module: string; record: Record<string, unknown> };
  payloadHash: string;
  runId: string;
  /** Who is looking, when signed in, and whether they may decide (the owner, their manager, an admin). */
  viewer?: { name: string; mayDecide: boolean } | null;
}

type Draft = ApprovalPageModel['recommendation']['draft'];
type Compliance = ApprovalPageModel['recommendation']['compliance'];

const PRIORITY_TONE: Record<string, string> = {
  critical: 'tone-danger',
  high: 'tone-warn',
  medium: 'tone-caution',
  low: 'tone-info',
};

const STATUS_BADGE: Record<ApprovalPageModel['approval']['status'], { label: string; tone: string }> = {
  pending: { label: 'Awaiting decision', tone: 'tone-caution' },
  approved: { label: 'Approved', tone: 'tone-ok' },
  rejected: { label: 'Rejected', tone: 'tone-neutral' },
  expired: { label: 'Expired', tone: 'tone-neutral' },
};

const PAGE_CSS = `
.page.approval { max-width: 1180px; }
.back { display: inline-block; margin-bottom: 0.75rem; font-size: 0.9rem; }
.eyebrow { margin: 0 0 0.15rem; color: var(--muted); font-size: 0.8rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; }
.title-row { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
.title-row h1 { margin: 0; overflow-wrap: anywhere; }
.subtitle { margin: 0.25rem 0 1rem; }
.layout { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); align-items: start; }
@media (min-width: 980px) {
  .layout { grid-template-columns: minmax(0, 1fr) 20rem; }
  .decision { position: sticky; top: 1rem; }
}
.layout > div > .card + .card { margin-top: 1rem; }
.action-text { font-size: 1.1rem; font-weight: 600; margin-bottom: 0.75rem; overflow-wrap: anywhere; }
.facts { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; margin: 0 0 0.75rem; padding: 0; list-style: none; }
.facts li { display: flex; gap: 0.4rem; align-items: center; }
.facts .label { color: var(--muted); }
.preview { border: 1px solid var(--border); border-radius: 6px; background: #fafbfc; }
.preview dl.fields { padding: 0.75rem 1rem; border-bottom: 1px solid var(--border); }
.preview .prose { padding: 0.75rem 1rem; margin: 0; }
.value-pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.hash { margin: 0.75rem 0 0; overflow-wrap: anywhere; }
.field { display: grid; gap: 0.3rem; margin-bottom: 0.85rem; }
.field label { font-weight: 600; }
.field input, .field textarea {
  width: 100%; font: inherit; padding: 0.5rem 0.6rem; border: 1px solid var(--border-strong);
  border-radius: 6px; background: #fff; color: var(--text);
}
.field textarea { resize: vertical; min-height: 5rem; }
.buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.buttons .button { flex: 1 1 8rem; }
.form-error { color: var(--danger-fg); font-weight: 600; margin: 0 0 0.75rem; }
.form-error:empty { display: none; }
.change { display: inline-flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
.change del { color: var(--danger-fg); }
.change ins { color: var(--ok-fg); text-decoration: none; font-weight: 600; }
fieldset.choice { border: 1px solid var(--border); border-radius: 6px; margin: 0.85rem 0; padding: 0.6rem 0.85rem 0.85rem; }
fieldset.choice legend { font-weight: 600; padding: 0 0.3rem; }
`;

/**
 * The page behind an e-mailed approval link. GET only shows: mail scanners and link previewers
 * prefetch URLs, so merely opening this page must never approve or reject anything — the
 * decision is the POST of the form below, which the server validates.
 */
export function approvalPage(model: ApprovalPageModel, auth: PageAuth = LOCAL_PAGE_AUTH, basePath = ''): string {
  const { approval, recommendation, account } = model;
  const status = STATUS_BADGE[approval.status];
  const body = `${siteHeader(basePath)}
<main id="main" class="page approval">
<a class="back" href="${escapeHtml(sitePath(basePath, '/'))}">← Back to the dashboard</a>
<p class="eyebrow">Recommendation for review</p>
<div class="title-row">
<h1>${escapeHtml(account.name)}</h1>
<span class="badge ${status.tone}" data-testid="approval-status">${escapeHtml(status.label)}</span>
</div>
<p class="subtitle muted">Owner ${escapeHtml(account.ownerName)} · Account <span class="mono">${escapeHtml(account.id)}</span></p>
<div class="layout">
<div>
${recommendationSection(recommendation)}
${evidenceSection(recommendation.evidence)}
${draftSection(recommendation.draft, account)}
${complianceSection(recommendation.compliance)}
${payloadSection(model)}
</div>
${approval.status === 'pending' ? decisionForm(model, basePath) : decidedNotice(model, basePath)}
</div>
</main>`;
  return htmlDocument({
    title: `Review recommendation · ${account.name} · Sergas`,
    body,
    css: PAGE_CSS,
    script: approval.status === 'pending' ? FORM_SCRIPT : undefined,
    auth,
    basePath,
  });
}

function recommendationSection(r: ApprovalPageModel['recommendation']): string {
  return `<section class="card" aria-labelledby="recommendation-heading">
<h2 id="recommendation-heading">Recommendation</h2>
<p class="action-text">${escapeHtml(r.action)}</p>
<ul class="facts">
<li><span class="label">Type</span> ${escapeHtml(humanize(r.type))}</li>
<li><span class="label">Priority</span> <span class="badge ${PRIORITY_TONE[r.priority] ?? 'tone-neutral'}">${escapeHtml(humanize(r.priority))}</span></li>
<li><span class="label">Confidence</span> ${escapeHtml(percent(r.confidence))}</li>
</ul>
<h3>Why</h3>
<p class="prose">${escapeHtml(r.rationale)}</p>
</section>`;
}

function evidenceSection(evidence: ApprovalPageModel['recommendation']['evidence']): string {
  const rows = evidence
    .map(
      (e) => `<tr>
<td>${escapeHtml(e.module)}</td>
<td class="mono">${escapeHtml(e.field)}</td>
<td>${escapeHtml(evidenceValue(e.value))}</td>
<td class="mono">${escapeHtml(e.id)}</td>
</tr>`,
    )
    .join('\n');
  const content = evidence.length
    ? `<div class="table-wrap"><table>
<caption class="visually-hidden">CRM records supporting this recommendation</caption>
<thead><tr><th scope="col">Module</th><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Record ID</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`
    : '<p class="muted">No evidence was recorded for this recommendation.</p>';
  return `<section class="card" aria-labelledby="evidence-heading">
<h2 id="evidence-heading">Evidence from Zoho</h2>
${content}
</section>`;
}

function evidenceValue(value: EvidenceValue): string {
  return value === null || value === '' ? '(empty)' : String(value);
}

function draftSection(draft: Draft, account: ApprovalPageModel['account']): string {
  if (!draft) {
    return `<section class="card" aria-labelledby="draft-heading">
<h2 id="draft-heading">Draft</h2>
<p class="muted">This recommendation comes without a draft.</p>
</section>`;
  }
  const [heading, content] = draftContent(draft, account);
  return `<section class="card" aria-labelledby="draft-heading">
<h2 id="draft-heading">${escapeHtml(heading)}</h2>
${content}
</section>`;
}

function draftContent(draft: NonNullable<Draft>, account: ApprovalPageModel['account']): [string, string] {
  switch (draft.kind) {
    case 'email':
      return [
        'Draft e-mail',
        `<div class="preview">
<dl class="fields">
<dt>To</dt><dd>${draft.to ? escapeHtml(draft.to) : '<span class="muted">(the owner chooses a contact)</span>'}</dd>
<dt>Subject</dt><dd>${escapeHtml(draft.subject)}</dd>
</dl>
<p class="prose">${escapeHtml(draft.body)}</p>
</div>`,
      ];
    case 'task':
      return [
        'Draft task',
        `<div class="preview">
<dl class="fields">
<dt>Subject</dt><dd>${escapeHtml(draft.subject)}</dd>
<dt>Due date</dt><dd>${escapeHtml(draft.dueDate)}</dd>
<dt>Assigned to</dt><dd>${assignee(draft.ownerId, account)}</dd>
</dl>
<p class="prose">${escapeHtml(draft.description)}</p>
</div>`,
      ];
    case 'note':
      return [
        'Draft note',
        `<div class="preview">
<dl class="fields">
<dt>Title</dt><dd>${escapeHtml(draft.title)}</dd>
</dl>
<p class="prose">${escapeHtml(draft.content)}</p>
</div>`,
      ];
    case 'field_update':
      return [
        'Proposed field update',
        `<dl class="fields">
<dt>Module</dt><dd>${escapeHtml(draft.module)}</dd>
<dt>Record</dt><dd class="mono">${escapeHtml(draft.recordId)}</dd>
<dt>Field</dt><dd class="mono">${escapeHtml(draft.field)}</dd>
<dt>Change</dt><dd><span class="change"><span class="visually-hidden">from</span><del>${escapeHtml(draft.before ?? '(empty)')}</del><span aria-hidden="true">→</span><span class="visually-hidden">to</span><ins>${escapeHtml(draft.after ?? '(empty)')}</ins></span></dd>
</dl>`,
      ];
  }
}

/** The account owner by name (whom the rules assign tasks to); anyone else by their CRM user id. */
function assignee(ownerId: string, account: ApprovalPageModel['account']): string {
  return ownerId === account.ownerId
    ? `${escapeHtml(account.ownerName)} <span class="muted">(the account owner)</span>`
    : `<span class="mono">${escapeHtml(ownerId)}</span>`;
}

function complianceSection(compliance: Compliance): string {
  if (!compliance) return '';
  const blocking = compliance.policyViolations.some((v) => v.blocking);
  const verdict = compliance.approved
    ? '<span class="badge tone-ok">Passed</span>'
    : '<span class="badge tone-danger">Not passed</span>';
  const parts = [
    `<ul class="facts"><li><span class="label">Check</span> ${verdict}</li><li><span class="label">Risk level</span> ${escapeHtml(humanize(compliance.riskLevel))}</li></ul>`,
  ];
  if (blocking) {
    parts.push(
      '<div class="notice tone-danger" role="note"><p><strong>Blocked by policy.</strong> A blocking violation means this draft is never executed, even if approved.</p></div>',
    );
  }
  if (compliance.piiDetected.length) {
    const rows = compliance.piiDetected
      .map(
        (p) =>
          `<tr><td>${escapeHtml(humanize(p.type))}</td><td class="mono">${escapeHtml(p.location)}</td><td class="mono">${escapeHtml(p.preview)}</td></tr>`,
      )
      .join('\n');
    parts.push(`<h3>Personal data found</h3>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Type</th><th scope="col">Where</th><th scope="col">Preview</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`);
  }
  if (compliance.policyViolations.length) {
    const rows = compliance.policyViolations
      .map(
        (v) =>
          `<tr><td class="mono">${escapeHtml(v.rule)}</td><td class="mono">${escapeHtml(v.location)}</td><td>${escapeHtml(v.message)}</td><td>${
            v.blocking
              ? '<span class="badge tone-danger">Blocking</span>'
              : '<span class="badge tone-caution">Warning</span>'
          }</td></tr>`,
      )
      .join('\n');
    parts.push(`<h3>Policy findings</h3>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Rule</th><th scope="col">Where</th><th scope="col">Finding</th><th scope="col">Effect</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`);
  }
  if (!compliance.piiDetected.length && !compliance.policyViolations.length) {
    parts.push('<p class="muted">No personal data or policy issues were found.</p>');
  }
  return `<section class="card" aria-labelledby="compliance-heading">
<h2 id="compliance-heading">Compliance</h2>
${parts.join('\n')}
</section>`;
}

function payloadSection(model: ApprovalPageModel): string {
  const entries = Object.entries(model.payload.record);
  const fields = entries.length
    ? `<dl class="fields">
${entries.map(([name, value]) => `<dt class="mono">${escapeHtml(name)}</dt><dd>${payloadValue(value)}</dd>`).join('\n')}
</dl>`
    : '<p class="muted">No fields.</p>';
  return `<section class="card" aria-labelledby="payload-heading">
<h2 id="payload-heading">What will be written to Zoho</h2>
<p>A new record in the <strong>${escapeHtml(model.payload.module)}</strong> module, exactly as below. Nothing else is written.</p>
${fields}
<p class="hash small muted">Payload hash (SHA-256) <code>${escapeHtml(model.payloadHash)}</code> · run <code>${escapeHtml(model.runId)}</code></p>
</section>`;
}

function payloadValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '<span class="muted">(empty)</span>';
  if (typeof value === 'object') {
    // Lookups and nested values: pretty JSON shows exactly what is sent.
    return `<pre class="value-pre mono">${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
  }
  return `<span class="prose">${escapeHtml(value)}</span>`;
}

function decisionForm(model: ApprovalPageModel, basePath: string): string {
  const page = `/approvals/${encodeURIComponent(model.approval.id)}`;
  const action = sitePath(basePath, page);
  const expiry = `This link expires ${timeHtml(model.approval.expiresAt)}.`;
  if (!model.viewer) {
    return `<section class="card decision" aria-labelledby="decision-heading">
<h2 id="decision-heading">Your decision</h2>
<p>Sign in to approve or reject: only the account owner, their manager or an admin may decide. ${expiry}</p>
<p><a class="button primary" href="${escapeHtml(signInPath(basePath, page))}" data-testid="sign-in-to-decide" id="sign-in-to-decide">Sign in to decide</a></p>
</section>`;
  }
  if (!model.viewer.mayDecide) {
    return `<section class="card decision" aria-labelledby="decision-heading">
<h2 id="decision-heading">Your decision</h2>
<div class="notice tone-caution" role="note" data-testid="may-not-decide"><p>You are signed in as <strong>${escapeHtml(model.viewer.name)}</strong>. Only the account owner, their manager or an admin may decide this recommendation.</p></div>
</section>`;
  }
  // The server validates everything (who may decide, reason on reject, expiry, single use, compliance of
  // edits); the browser-side checks below only save a round trip. One form, one submit button per
  // decision: it works without JavaScript.
  const editor = draftEditor(model.recommendation.draft);
  return `<section class="card decision" aria-labelledby="decision-heading">
<h2 id="decision-heading">Your decision</h2>
<p class="small muted">Approving writes the record shown once to Zoho; with edits, exactly your edited draft, after a new compliance check. Rejecting writes nothing. Deferring keeps it pending. ${expiry}</p>
<p class="small">Deciding as <strong data-testid="decider">${escapeHtml(model.viewer.name)}</strong></p>
<form method="post" action="${escapeHtml(action)}" id="decision-form">
<p id="form-error" class="form-error" role="alert"></p>
${editor}
<div class="buttons">
<button class="button primary" type="submit" name="decision" value="approve">Approve</button>
${editor ? '<button class="button" type="submit" name="decision" value="approve_with_edits">Approve with edits</button>' : ''}
</div>
<fieldset class="choice">
<legend>Reject</legend>
<div class="field">
<label for="reason">Reason (required to reject)</label>
<textarea id="reason" name="reason" rows="3" maxlength="2000"></textarea>
</div>
<div class="buttons"><button class="button danger" type="submit" name="decision" value="reject">Reject</button></div>
</fieldset>
<fieldset class="choice">
<legend>Defer</legend>
<div class="field">
<label for="days">Days to defer (1–30)</label>
<input id="days" name="days" type="number" inputmode="numeric" min="1" max="30" step="1" value="7">
</div>
<div class="buttons"><button class="button" type="submit" name="decision" value="defer">Defer</button></div>
</fieldset>
</form>
</section>`;
}

const input = (id: string, label: string, value: string, type = 'text', maxlength = 255) =>
  `<div class="field">
<label for="${id}">${escapeHtml(label)}</label>
<input id="${id}" name="${id}" type="${type}"${type === 'text' ? ` maxlength="${maxlength}"` : ''} value="${escapeHtml(value)}">
</div>`;

const textarea = (id: string, label: string, value: string) =>
  `<div class="field">
<label for="${id}">${escapeHtml(label)}</label>
<textarea id="${id}" name="${id}" rows="8" maxlength="32000">${escapeHtml(value)}</textarea>
</div>`;

/** The draft's editable fields, prefilled; "Approve with edits" sends them (re-checked by compliance). */
function draftEditor(draft: Draft): string {
  if (!draft) return '';
  let fields: string;
  switch (draft.kind) {
    case 'email':
      fields = `${input('subject', 'E-mail subject', draft.subject)}\n${textarea('body', 'E-mail body', draft.body)}`;
      break;
    case 'task':
      fields = `${input('subject', 'Task subject', draft.subject)}
${input('due_date', 'Due date', draft.dueDate, 'date')}
${textarea('description', 'Task description', draft.description)}`;
      break;
    case 'note':
      fields = `${input('title', 'Note title', draft.title)}\n${textarea('content', 'Note content', draft.content)}`;
      break;
    case 'field_update':
      fields = `<p class="small">${escapeHtml(draft.module)}.<span class="mono">${escapeHtml(draft.field)}</span>: <span class="change"><span class="visually-hidden">before</span><del>${escapeHtml(draft.before ?? '(empty)')}</del><span aria-hidden="true">→</span><span class="visually-hidden">after</span><ins>${escapeHtml(draft.after ?? '(empty)')}</ins></span></p>
${input('value', `New value of ${draft.field}`, draft.after === null ? '' : String(draft.after), 'text', 2000)}`;
      break;
  }
  return `<fieldset class="choice" data-testid="draft-editor">
<legend>Edit the draft (for “Approve with edits”)</legend>
${fields}
</fieldset>`;
}

function decidedNotice(model: ApprovalPageModel, basePath: string): string {
  const { approval } = model;
  const by = approval.decidedBy ? ` by <strong>${escapeHtml(approval.decidedBy)}</strong>` : '';
  const when = approval.decidedAt ? ` on ${timeHtml(approval.decidedAt)}` : '';
  const reason = approval.reason ? `<p>Reason: <span class="prose">${escapeHtml(approval.reason)}</span></p>` : '';
  let content: string;
  let tone: string;
  switch (approval.status) {
    case 'approved':
      tone = 'tone-ok';
      content = `<p><strong>Approved</strong>${by}${when}.</p>${reason}<p>Sergas writes the record above to Zoho once; the run shows when it has. There is nothing more to do here.</p>`;
      break;
    case 'rejected':
      tone = 'tone-info';
      content = `<p><strong>Rejected</strong>${by}${when}.</p>${reason}<p>Nothing was written to Zoho.</p>`;
      break;
    default:
      tone = 'tone-caution';
      content = `<p><strong>Expired</strong> on ${timeHtml(approval.expiresAt)} without a decision.</p><p>Nothing was written to Zoho. A later analysis can propose it again.</p>`;
  }
  return `<section class="card decision" aria-labelledby="decision-heading">
<h2 id="decision-heading">Decision</h2>
<div class="notice ${tone}" data-testid="decision-notice">
${content}
</div>
<p class="small"><a href="${escapeHtml(sitePath(basePath, '/'))}">Back to the dashboard</a></p>
</section>`;
}

/**
 * Two conveniences, never a substitute for the server's checks:
 * - Enter in a text field would submit with the first button (approve) as submitter; a decision
 *   that writes to the CRM should take a deliberate click.
 * - A second click while the POST is in flight would only earn a "conflict" page.
 * With Cognito sign-in (AUTH_CLIENT) the token lives in the tab, not in a cookie, so a plain navigation
 * reaches the server as nobody: the script fetches this page again with the bearer header when it was
 * drawn for nobody, and sends the decision with it too, showing the server's answer in place.
 */
const FORM_SCRIPT = `(function () {
  'use strict';
${AUTH_CLIENT}
  var bearer = AUTH.auth === 'cognito';

  // The server's page (escaped by it like any page it serves) in place of this one; its script is ours.
  function showPage(response) {
    return response.text().then(function (text) {
      var page = new DOMParser().parseFromString(text, 'text/html');
      document.title = page.title;
      document.body.replaceWith(document.adoptNode(page.body));
      guard();
    });
  }

  function guard() {
    var form = document.getElementById('decision-form');
    if (!form) return;
    var reason = document.getElementById('reason');
    var error = document.getElementById('form-error');
    var buttons = form.querySelectorAll('button');
    var sent = false;
    function busy(on) {
      for (var i = 0; i < buttons.length; i++) {
        if (on) buttons[i].setAttribute('aria-disabled', 'true');
        else buttons[i].removeAttribute('aria-disabled');
      }
    }
    form.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && event.target && event.target.tagName === 'INPUT') event.preventDefault();
    });
    form.addEventListener('submit', function (event) {
      if (sent) { event.preventDefault(); return; }
      var submitter = event.submitter;
      var days = document.getElementById('days');
      if (submitter && submitter.value === 'defer' && days && !(Number(days.value) >= 1 && Number(days.value) <= 30)) {
        event.preventDefault();
        if (error) error.textContent = 'Defer by 1 to 30 days.';
        days.focus();
        return;
      }
      if (submitter && submitter.value === 'reject' && reason && !reason.value.trim()) {
        event.preventDefault();
        if (error) error.textContent = 'Please give a reason to reject.';
        reason.focus();
        return;
      }
      sent = true;
      if (error) error.textContent = '';
      busy(true);
      if (!bearer) return;
      event.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      if (submitter && submitter.name) body.set(submitter.name, submitter.value);
      apiFetch(form.getAttribute('action'), {
        method: 'POST',
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString()
      }).then(showPage).catch(function () {
        sent = false;
        busy(false);
        if (error) error.textContent = 'Your decision was not sent: the server could not be reached. Try again.';
      });
    });
  }

  guard();
  if (bearer && document.getElementById('sign-in-to-decide') && loadSession()) {
    apiFetch(location.pathname, { headers: { accept: 'text/html' } }).then(function (response) {
      if (response.ok) return showPage(response);
    }).catch(function () { /* the page as drawn still offers to sign in */ });
  }
})();`;

export interface DecisionResult {
  outcome:
    | 'approved'
    | 'rejected'
    | 'deferred'
    | 'conflict'
    | 'expired'
    | 'invalid'
    | 'not_found'
    | 'unauthorized'
    | 'forbidden';
  message: string;
  approvalId: string;
  runId?: string;
  accountName?: string;
}

const OUTCOMES: Record<DecisionResult['outcome'], { title: string; tone: string; alert: boolean }> = {
  approved: { title: 'Approved', tone: 'tone-ok', alert: false },
  rejected: { title: 'Rejected', tone: 'tone-info', alert: false },
  deferred: { title: 'Deferred', tone: 'tone-info', alert: false },
  conflict: { title: 'Already decided', tone: 'tone-caution', alert: true },
  expired: { title: 'This approval has expired', tone: 'tone-caution', alert: true },
  invalid: { title: 'Your decision was not recorded', tone: 'tone-danger', alert: true },
  not_found: { title: 'Approval not found', tone: 'tone-danger', alert: true },
  unauthorized: { title: 'Sign in to decide', tone: 'tone-caution', alert: true },
  forbidden: { title: 'Not yours to decide', tone: 'tone-danger', alert: true },
};

/** The page after a POST, and for every error around an approval link; its links lead under `basePath`. */
export function decisionResultPage(result: DecisionResult, basePath = ''): string {
  const outcome = OUTCOMES[result.outcome];
  const link = (path: string) => escapeHtml(sitePath(basePath, path));
  const links = [`<a class="button" href="${link('/')}">Back to the dashboard</a>`];
  if (result.outcome === 'unauthorized') {
    const back = `/approvals/${encodeURIComponent(result.approvalId)}`;
    links.unshift(`<a class="button primary" href="${escapeHtml(signInPath(basePath, back))}">Sign in</a>`);
  }
  if (result.runId) {
    links.push(`<a class="button" href="${link(`/runs/${encodeURIComponent(result.runId)}`)}">View the run</a>`);
  }
  if (result.approvalId && result.outcome !== 'not_found') {
    // After an invalid form the reader goes back to fix it; otherwise the page shows who decided.
    const label = result.outcome === 'invalid' ? 'Back to the form' : 'View the approval';
    links.push(
      `<a class="button" href="${link(`/approvals/${encodeURIComponent(result.approvalId)}`)}">${escapeHtml(label)}</a>`,
    );
  }
  const account = result.accountName ? `<p class="muted">Account ${escapeHtml(result.accountName)}</p>` : '';
  const body = `${siteHeader(basePath)}
<main id="main" class="page result">
<div class="card">
<h1>${escapeHtml(outcome.title)}</h1>
${account}
<div class="notice ${outcome.tone}"${outcome.alert ? ' role="alert"' : ' role="status"'} data-testid="decision-result" data-outcome="${escapeHtml(result.outcome)}">
<p>${escapeHtml(result.message)}</p>
</div>
<nav class="links" aria-label="Next steps">${links.join('\n')}</nav>
</div>
</main>`;
  return htmlDocument({
    title: `${outcome.title} · Sergas`,
    body,
    css: `.page.result { max-width: 42rem; padding-top: 2.5rem; }
.result .notice { margin: 1rem 0; }
.links { display: flex; flex-wrap: wrap; gap: 0.5rem; }`,
    basePath,
  });
}
