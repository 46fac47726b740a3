import { describe, expect, it } from 'vitest';
import { type ApprovalPageModel, approvalPage, decisionResultPage } from '../../../web/approval-page.ts';
import { expectAccessibleShell, scriptsOf } from './page-checks.ts';

type Draft = ApprovalPageModel['recommendation']['draft'];

function aModel(
  overrides: {
    approval?: Partial<ApprovalPageModel['approval']>;
    draft?: Draft;
    viewer?: ApprovalPageModel['viewer'];
  } = {},
): ApprovalPageModel {
  return {
    approval: {
      id: 'apr_7Hq2',
      status: 'pending',
      expiresAt: '2025-03-08T09:00:00Z',
      decidedBy: null,
      decidedAt: null,
      reason: null,
      ...overrides.approval,
    },
    recommendation: {
      id: 'rec_1',
      type: 're_engagement',
      priority: 'high',
      confidence: 0.72,
      action: 'Call the champion to re-open the renewal conversation',
      rationale: 'No calls or meetings in 45 days while a renewal deal is open.',
      evidence: [
        { module: 'Calls', id: 'call_9', field: 'Call_Start_Time', value: '2025-01-15T10:00:00Z' },
        { module: 'Deals', id: 'deal_3', field: 'Amount', value: 48000 },
        { module: 'Accounts', id: 'acc_1', field: 'Rating', value: null },
      ],
      draft: overrides.draft === undefined ? anEmail() : overrides.draft,
      compliance: {
        approved: true,
        riskLevel: 'low',
        piiDetected: [{ type: 'email', location: 'draft.body', preview: 'j***@acme.example' }],
        policyViolations: [
          { rule: 'no_pricing_promises', location: 'draft.body', message: 'Mentions a discount', blocking: false },
        ],
      },
    },
    account: { id: 'acc_1', name: 'Acme Corp', ownerId: 'usr_1', ownerName: 'Jane Doe' },
    payload: {
      module: 'Tasks',
      record: {
        Subject: 'Send e-mail: Checking in',
        Due_Date: '2025-03-05',
        What_Id: { id: 'acc_1' },
        Sergas_Key: 'k1',
      },
    },
    payloadHash: 'ab12cd34',
    runId: 'run_42',
    viewer: overrides.viewer === undefined ? { name: 'Jane Doe', mayDecide: true } : overrides.viewer,
  };
}

function anEmail(): Draft {
  return { kind: 'email', to: 'jo@acme.example', subject: 'Checking in', body: 'Hi Jo,\nShall we catch up?' };
}

const DRAFTS: NonNullable<Draft>[] = [
  anEmail() as NonNullable<Draft>,
  { kind: 'task', subject: 'Call Jo', dueDate: '2025-03-05', description: 'Re-open renewal', ownerId: 'usr_1' },
  { kind: 'note', title: 'Context', content: 'Champion left in January' },
  { kind: 'field_update', module: 'Accounts', recordId: 'acc_1', field: 'Rating', before: 'Warm', after: 'Hot' },
];

const POISON = `<script>alert("pwn")</script>'"`;
const ESCAPED = '&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;&#39;&quot;';

/** Every free-text string of the model replaced by markup; enum-like keys keep their values. */
function poisoned<T>(value: T, key = ''): T {
  if (typeof value === 'string') return (['status', 'kind'].includes(key) ? value : POISON) as T;
  if (Array.isArray(value)) return value.map((v) => poisoned(v)) as T;
  if (value && typeof value === 'object') {
    const result = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisoned(v, k)]));
    if (key === 'record') result[POISON] = POISON;
    return result as T;
  }
  return value;
}

function formsOf(html: string): string[] {
  return [...html.matchAll(/<form\b[\s\S]*?<\/form>/g)].map((m) => m[0]);
}

describe('approval page', () => {
  it('shows the account, recommendation, evidence, draft, compliance and the payload to write', () => {
    const html = approvalPage(aModel());
    expect(html).toContain('<h1>Acme Corp</h1>');
    expect(html).toContain('Owner Jane Doe');
    expect(html).toContain('Call the champion to re-open the renewal conversation');
    expect(html).toContain('No calls or meetings in 45 days');
    expect(html).toContain('72%');
    expect(html).toContain('<td class="mono">Call_Start_Time</td>');
    expect(html).toContain('<td>48000</td>');
    expect(html).toContain('(empty)');
    expect(html).toContain('Checking in');
    expect(html).toContain('Hi Jo,\nShall we catch up?');
    expect(html).toContain('j***@acme.example');
    expect(html).toContain('Mentions a discount');
    expect(html).toContain('What will be written to Zoho');
    expect(html).toContain('<strong>Tasks</strong>');
    expect(html).toMatch(/<dt class="mono">Due_Date<\/dt><dd><span class="prose">2025-03-05<\/span><\/dd>/);
    expect(html).toContain('&quot;id&quot;: &quot;acc_1&quot;');
    expect(html).toContain('<code>ab12cd34</code>');
    expectAccessibleShell(html);
  });

  it.each(DRAFTS)('renders a $kind draft', (draft) => {
    const html = approvalPage(aModel({ draft }));
    const expected = {
      email: ['Draft e-mail', 'jo@acme.example'],
      task: ['Draft task', 'Re-open renewal'],
      note: ['Draft note', 'Champion left in January'],
      field_update: ['Proposed field update', '<ins>Hot</ins>'],
    }[draft.kind];
    for (const text of expected) expect(html).toContain(text);
    expectAccessibleShell(html);
  });

  it('names the account owner a draft task is assigned to, and shows anyone else by their CRM user id', () => {
    const task = DRAFTS[1]!;
    const forOwner = approvalPage(aModel({ draft: task }));
    expect(forOwner).toMatch(
      /<dt>Assigned to<\/dt><dd>Jane Doe <span class="muted">\(the account owner\)<\/span><\/dd>/,
    );

    const forSomeoneElse = approvalPage(aModel({ draft: { ...task, ownerId: 'usr_7' } as Draft }));
    expect(forSomeoneElse).toContain('<dt>Assigned to</dt><dd><span class="mono">usr_7</span></dd>');
  });

  it('says so when there is no draft and omits compliance when there was no check', () => {
    const model = aModel({ draft: null });
    model.recommendation.compliance = null;
    const html = approvalPage(model);
    expect(html).toContain('without a draft');
    expect(html).not.toContain('compliance-heading');
  });

  it('warns when a policy violation blocks execution', () => {
    const model = aModel();
    model.recommendation.compliance = {
      approved: false,
      riskLevel: 'high',
      piiDetected: [],
      policyViolations: [{ rule: 'no_secrets', location: 'draft.body', message: 'Contains a token', blocking: true }],
    };
    const html = approvalPage(model);
    expect(html).toContain('Blocked by policy.');
    expect(html).toContain('Not passed');
  });

  it('has exactly one POST form with both decisions for a signed-in person who may decide, naming them', () => {
    const html = approvalPage(aModel());
    const forms = formsOf(html);
    expect(forms).toHaveLength(1);
    const form = forms[0] as string;
    expect(form).toMatch(/^<form method="post" action="\/approvals\/apr_7Hq2"/);
    // Who decides is the signed-in person, never a name typed into the form.
    expect(form).not.toContain('decided_by');
    expect(html).toContain('Deciding as <strong data-testid="decider">Jane Doe</strong>');
    expect(form).toMatch(/<textarea id="reason" name="reason"[^>]*>/);
    expect(form).not.toMatch(/<textarea[^>]*required/);
    expect(form).toContain('<label for="reason">Reason (required to reject)</label>');
    const buttons = [...form.matchAll(/<button[^>]*type="submit"[^>]*>/g)].map((m) => m[0]);
    expect(buttons).toHaveLength(4);
    expect(buttons[0]).toContain('name="decision" value="approve"');
    expect(buttons[1]).toContain('name="decision" value="approve_with_edits"');
    expect(buttons[2]).toContain('name="decision" value="reject"');
    expect(buttons[3]).toContain('name="decision" value="defer"');
  });

  it('puts the draft in an editable form: labelled fields in fieldsets, defer days bounded', () => {
    const html = approvalPage(aModel());
    const form = formsOf(html)[0] as string;
    expect(form).toContain('<legend>Edit the draft (for “Approve with edits”)</legend>');
    expect(form).toContain('<legend>Reject</legend>');
    expect(form).toContain('<legend>Defer</legend>');
    for (const id of [...form.matchAll(/<(?:input|textarea) id="([^"]+)"/g)].map((m) => m[1])) {
      expect(form).toContain(`<label for="${id}">`);
    }
    expect(form).toMatch(/<input id="days" name="days" type="number"[^>]*min="1" max="30"/);
  });

  it('shows a field update before → after, with the new value editable', () => {
    const html = approvalPage(
      aModel({
        draft: {
          kind: 'field_update',
          module: 'Deals',
          recordId: 'd1',
          field: 'Closing_Date',
          before: '2026-01-01',
          after: '2026-02-01',
        },
      }),
    );
    const form = formsOf(html)[0] as string;
    expect(form).toMatch(/<del>2026-01-01<\/del>.*<ins>2026-02-01<\/ins>/s);
    expect(form).toMatch(/<input id="value" name="value" type="text"[^>]*value="2026-02-01">/);
  });

  it('asks someone not signed in to sign in, and coming back to this page, instead of showing the form', () => {
    const html = approvalPage(aModel({ viewer: null }));
    expect(formsOf(html)).toHaveLength(0);
    expect(html).toContain('href="/sign-in?next=%2Fapprovals%2Fapr_7Hq2" data-testid="sign-in-to-decide"');
    expectAccessibleShell(html);
  });

  it('tells a signed-in person who may not decide so, without a form', () => {
    const html = approvalPage(aModel({ viewer: { name: 'Tom <b>', mayDecide: false } }));
    expect(formsOf(html)).toHaveLength(0);
    expect(html).toContain('data-testid="may-not-decide"');
    expect(html).toContain('Tom &lt;b&gt;');
  });

  it('ships a form script that parses', () => {
    const scripts = scriptsOf(approvalPage(aModel()));
    expect(scripts).toHaveLength(1);
    expect(() => new Function(scripts[0] as string)).not.toThrow();
  });

  it.each([
    ['approved', 'Approved'],
    ['rejected', 'Rejected'],
  ] as const)('has no form once %s and names the decider, time and reason', (status, word) => {
    const html = approvalPage(
      aModel({
        approval: {
          status,
          decidedBy: 'maria@acme.example',
          decidedAt: '2025-03-02T08:15:00Z',
          reason: 'Spoke to Jo already',
        },
      }),
    );
    expect(formsOf(html)).toHaveLength(0);
    expect(html).not.toContain('name="decision"');
    expect(scriptsOf(html)).toHaveLength(0);
    expect(html).toContain(
      `<strong>${word}</strong> by <strong>maria@acme.example</strong> on <time datetime="2025-03-02T08:15:00.000Z">2 Mar 2025, 08:15 UTC</time>`,
    );
    expect(html).toContain('Spoke to Jo already');
    expectAccessibleShell(html);
  });

  it('has no form once expired and says nothing was written', () => {
    const html = approvalPage(aModel({ approval: { status: 'expired' } }));
    expect(formsOf(html)).toHaveLength(0);
    expect(html).toContain('<strong>Expired</strong> on <time datetime="2025-03-08T09:00:00.000Z">');
    expect(html).toContain('Nothing was written to Zoho.');
  });

  it.each([...DRAFTS, null])('escapes every interpolated value (draft %#)', (draft) => {
    for (const status of ['pending', 'approved'] as const) {
      const model = poisoned(
        aModel({ draft, approval: { status, decidedBy: 'x', decidedAt: '2025-03-02T08:15:00Z', reason: 'r' } }),
      );
      const html = approvalPage(model);
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain(`"pwn"`);
      expect(html).toContain(`<h1>${ESCAPED}</h1>`);
      // One count per interpolated string would be brittle; "plenty, and no raw one" is the point.
      expect(html.split(ESCAPED).length - 1).toBeGreaterThan(10);
      expectAccessibleShell(html);
    }
  });

  it('encodes the approval id in the form action', () => {
    const html = approvalPage(aModel({ approval: { id: 'a"b c' } }));
    expect(html).toContain('action="/approvals/a%22b%20c"');
  });
});

describe('decision result page', () => {
  it('confirms an approval with links to the dashboard and the run', () => {
    const html = decisionResultPage({
      outcome: 'approved',
      message: 'Approved: it will be written to Zoho once.',
      approvalId: 'apr_1',
      runId: 'run_42',
      accountName: 'Acme Corp',
    });
    expect(html).toContain('<h1>Approved</h1>');
    expect(html).toContain('Approved: it will be written to Zoho once.');
    expect(html).toContain('href="/"');
    expect(html).toContain('href="/runs/run_42"');
    expect(html).toContain('Acme Corp');
    expect(html).toContain('role="status"');
    expect(html).not.toContain('<form');
    expectAccessibleShell(html);
  });

  it.each(['conflict', 'expired', 'invalid', 'not_found', 'unauthorized', 'forbidden'] as const)(
    'explains a %s outcome as an alert',
    (outcome) => {
      const html = decisionResultPage({
        outcome,
        message: 'This recommendation was already approved by Maria — nothing was changed',
        approvalId: 'apr_1',
      });
      expect(html).toContain('role="alert"');
      expect(html).toContain(`data-outcome="${outcome}"`);
      expect(html).toContain('already approved by Maria — nothing was changed');
      expect(html).toContain('href="/"');
      expect(html).not.toContain('/api/v1/runs/');
      if (outcome === 'not_found') expect(html).not.toContain('href="/approvals/');
      else expect(html).toContain('href="/approvals/apr_1"');
      expectAccessibleShell(html);
    },
  );

  it('works without an approval id and escapes everything', () => {
    const html = decisionResultPage({
      outcome: 'invalid',
      message: POISON,
      approvalId: '',
      runId: POISON,
      accountName: POISON,
    });
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(`<p>${ESCAPED}</p>`);
    expect(html).not.toContain('href="/approvals/');
    expect(html).toContain('href="/runs/%3Cscript%3Ealert(%22pwn%22)%3C%2Fscript%3E&#39;%22"');
  });
});
