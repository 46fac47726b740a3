import { describe, expect, it, vi } from 'vitest';
import { BRIEF_SCRIPT, ownerBriefPage } from '../../../web/owner-brief-page.ts';
import { RUN_SCRIPT, runTimelinePage } from '../../../web/run-page.ts';
import { FakeDocument, type FakeElement, staticIdsOf } from './fake-dom.ts';
import { expectAccessibleShell, scriptsOf } from './page-checks.ts';

const XSS = '<img src=x onerror=alert(1)>';

async function runScript(html: string, script: string, pathname: string, routes: Record<string, unknown>) {
  const doc = new FakeDocument(staticIdsOf(html));
  const calls: string[] = [];
  const fetch = (url: string) => {
    calls.push(url);
    const body = routes[url];
    return Promise.resolve({
      ok: body !== undefined,
      status: body === undefined ? 401 : 200,
      json: () => Promise.resolve(body),
    });
  };
  new Function('document', 'fetch', 'location', script)(doc, fetch, { pathname });
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  return { doc, calls };
}

const RUN = {
  id: 'run 1',
  account_id: 'acc_1',
  account_name: 'Acme Corp',
  status: 'COMPLETED',
  started_at: '2025-03-01T09:00:00Z',
  ended_at: '2025-03-01T09:00:10Z',
  requested_by: XSS,
  error: null,
  timings: [
    { state: 'QUEUED', started_at: '2025-03-01T09:00:00Z', ended_at: '2025-03-01T09:00:01Z', duration_ms: 1000 },
    { state: 'EXECUTING', started_at: '2025-03-01T09:00:01Z', ended_at: '2025-03-01T09:00:06Z', duration_ms: 5000 },
    { state: 'COMPLETED', started_at: '2025-03-01T09:00:10Z', ended_at: '2025-03-01T09:00:10Z', duration_ms: 0 },
  ],
  history: [
    {
      state: 'ExecuteRecommendation',
      status: 'SUCCEEDED',
      started_at: '2025-03-01T09:00:01Z',
      ended_at: null,
      duration_ms: null,
      detail: { ok: true },
    },
  ],
};

describe('run timeline page', () => {
  const html = runTimelinePage();

  it('is an accessible shell with one parseable script that never assigns HTML', () => {
    expectAccessibleShell(html);
    expect(html).toContain('data-testid="run-timeline"');
    expect(scriptsOf(html)[0]?.trim()).toBe(RUN_SCRIPT);
    expect(() => new Function(RUN_SCRIPT)).not.toThrow();
    expect(RUN_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\\.write/);
  });

  it('reads the run named in the path and lists its states in order with durations and bars', async () => {
    const { doc, calls } = await runScript(html, RUN_SCRIPT, '/runs/run%201', { '/api/v1/runs/run%201': RUN });
    // …then follows the run's event stream (this fake answers it 401: the page says so and stops).
    expect(calls).toEqual(['/api/v1/runs/run%201', '/api/v1/runs/run%201/events']);
    expect(doc.element('stream-status').textContent).toBe('Sign in to follow the run');
    expect(doc.element('run-state').textContent).toBe('');
    const rows = doc.element('timeline-rows').children as FakeElement[];
    expect(rows.map((r) => r.getAttribute('data-state'))).toEqual(['QUEUED', 'EXECUTING', 'COMPLETED']);
    expect(rows[1]?.textContent).toContain('5.0 s');
    expect(rows[1]?.textContent).toContain('Succeeded');
    const fill = rows[1]?.descendants().find((e) => e.tagName === 'SPAN' && e.style.width);
    expect(fill?.style).toMatchObject({ left: '10.00%', width: '50.00%' });
    expect(doc.element('run-summary').hidden).toBe(false);
    expect(doc.element('run-fields').textContent).toContain(XSS);
    expect(doc.element('history-rows').textContent).toContain('{"ok":true}');
  });

  it('follows the run’s event stream, lists each event and reloads the run as states change', async () => {
    const doc = new FakeDocument(staticIdsOf(html));
    const calls: string[] = [];
    const at = Date.parse('2025-03-01T09:00:05Z');
    const events = [
      'retry: 5\n\n',
      `id: 1\nevent: STEP_STARTED\ndata: {"type":"STEP_STARTED","stepName":"EXECUTING","timestamp":${at}}\n\n`,
      ': heartbeat\n\n',
      `id: 2\nevent: CUSTOM\ndata: {"type":"CUSTOM","name":"approval_required","value":{"approvalId":"ap 1","url":"javascript:alert(1)"}}\n\n`,
      `id: 3\nevent: RUN_FINISHED\ndata: {"type":"RUN_FINISHED","runId":"run 1"}\n\n`,
    ].join('');
    const fetch = (url: string) => {
      calls.push(url);
      if (url.endsWith('/events')) {
        return Promise.resolve(new Response(events, { headers: { 'content-type': 'text/event-stream' } }));
      }
      return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(RUN) });
    };
    new Function('document', 'fetch', 'location', RUN_SCRIPT)(doc, fetch, { pathname: '/runs/run%201' });
    await vi.waitFor(() => expect(doc.element('stream-status').textContent).toBe('Run ended'));
    const items = doc.element('event-list').children as FakeElement[];
    expect(items.map((item) => item.getAttribute('data-type'))).toEqual(['STEP_STARTED', 'CUSTOM', 'RUN_FINISHED']);
    expect(items[0]?.textContent).toContain('EXECUTING');
    const links = items[1]?.descendants().filter((e) => e.tagName === 'A');
    expect(links?.map((a) => a.getAttribute('href'))).toEqual(['/approvals/ap%201']);
    expect(doc.element('run-events').hidden).toBe(false);
    // The burst of events reloads the run once.
    await vi.waitFor(() => expect(calls.filter((url) => url === '/api/v1/runs/run%201')).toHaveLength(2));
    expect(calls.filter((url) => url.endsWith('/events'))).toHaveLength(1);
  });

  it('names the run’s account beside its id, and shows the id alone once the account is gone', async () => {
    const named = await runScript(html, RUN_SCRIPT, '/runs/r', { '/api/v1/runs/r': { ...RUN, account_name: XSS } });
    expect(named.doc.element('run-fields').textContent).toContain(`${XSS} acc_1`);

    const gone = await runScript(html, RUN_SCRIPT, '/runs/r', { '/api/v1/runs/r': { ...RUN, account_name: null } });
    expect(gone.doc.element('run-fields').textContent).toContain('Accountacc_1');
  });

  it('offers to sign in when the API refuses', async () => {
    const { doc } = await runScript(html, RUN_SCRIPT, '/runs/r', {});
    expect(doc.element('run-state').textContent).toContain('Sign in to see the run');
  });
});

describe('owner brief page', () => {
  const html = ownerBriefPage();

  it('is an accessible shell with one parseable script', () => {
    expectAccessibleShell(html);
    expect(scriptsOf(html)[0]?.trim()).toBe(BRIEF_SCRIPT);
    expect(() => new Function(BRIEF_SCRIPT)).not.toThrow();
  });

  it("renders the owner's accounts, actions and approvals as text", async () => {
    const brief = {
      owner: { id: 'u1', name: 'Jane' },
      date: '2025-03-01',
      no_updates: false,
      total_accounts: 3,
      estimated_review_minutes: 6,
      accounts: [
        {
          id: 'a1',
          name: XSS,
          risk_level: 'high',
          priority_score: 80,
          health_score: 41,
          actions: [{ recommendation_id: 'r1', type: 'x', priority: 'high', action: 'Call them', approval_id: 'ap 1' }],
        },
      ],
      pending_approvals: [{ id: 'ap 1', account: { id: 'a1', name: XSS }, action: 'Call them' }],
    };
    const { doc, calls } = await runScript(html, BRIEF_SCRIPT, '/owners/u1/brief', {
      '/api/v1/owners/u1/brief': brief,
    });
    expect(calls).toEqual(['/api/v1/owners/u1/brief']);
    expect(doc.element('brief-heading').textContent).toBe('Daily brief of Jane');
    expect(doc.element('brief-rows').textContent).toContain(XSS);
    expect(doc.element('brief-rows').textContent).toContain('Call them');
    const links = doc
      .element('brief-approval-list')
      .descendants()
      .filter((e) => e.tagName === 'A');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/approvals/ap%201']);
  });
});
