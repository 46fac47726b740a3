import { describe, expect, it } from 'vitest';
import { DASHBOARD_SCRIPT, dashboardPage } from '../../../web/dashboard-page.ts';
import { FakeDocument, type FakeElement, staticIdsOf } from './fake-dom.ts';
import { expectAccessibleShell, scriptsOf } from './page-checks.ts';

const XSS = '<script>alert("pwn")</script>';

const owner = (id: string, name: string) => ({ id, name });

function anAccount(overrides: Record<string, unknown>) {
  return {
    id: 'acc',
    name: 'Account',
    owner: owner('u1', 'Jane Doe'),
    risk_level: 'none',
    health: { score: 90, band: 'healthy' },
    priority_score: 10,
    needs_review: false,
    signals: [],
    recommendations: [],
    run: { id: 'run_1', status: 'COMPLETED' },
    ...overrides,
  };
}

const ACCOUNTS = {
  accounts: [
    anAccount({ id: 'a-low', name: 'Lowly Ltd', risk_level: 'low', priority_score: 90, owner: owner('u2', 'Bob Ray') }),
    anAccount({
      id: 'a-high-40',
      name: 'Alpha AG',
      risk_level: 'high',
      priority_score: 40,
      health_trend: [62, 55, 48],
    }),
    anAccount({
      id: 'a-crit',
      name: XSS,
      risk_level: 'critical',
      priority_score: 20,
      needs_review: true,
      health: { score: 32, band: 'critical' },
      signals: [
        {
          type: 'inactivity',
          severity: 'high',
          detail: 'No activity in 45 days',
          evidence: [{ module: 'Calls', id: 'call_9', field: 'Call_Start_Time', value: '2025-01-15' }],
        },
      ],
      recommendations: [
        {
          id: 'r1',
          type: 're_engagement',
          priority: 'high',
          confidence: 0.72,
          action: 'Call the champion',
          status: 'pending',
          approval_id: 'apr 1',
        },
        {
          id: 'r2',
          type: 'executive_alignment',
          priority: 'low',
          confidence: 0.4,
          action: 'Loop in the VP',
          status: 'rejected',
          approval_id: null,
        },
      ],
      run: { id: 'run_9', status: 'AWAITING_APPROVAL' },
    }),
    anAccount({
      id: 'a-high-80',
      name: 'Beta Inc',
      risk_level: 'high',
      priority_score: 80,
      owner: owner('u2', 'Bob Ray'),
    }),
    anAccount({ id: 'a-new', name: 'Newco', health: null, priority_score: null, run: null }),
  ],
  summary: { by_risk: { critical: 1, high: 2, medium: 0, low: 1, none: 1 }, pending_approvals: 7, accounts: 5 },
};

const APPROVALS = {
  approvals: [
    {
      id: 'apr_1',
      url: '/approvals/apr_1',
      recommendation: {
        id: 'r1',
        type: 're_engagement',
        priority: 'high',
        action: 'Call the champion',
        confidence: 0.72,
      },
      account: { id: 'a-crit', name: XSS },
      owner: { id: 'u1', name: 'Jane Doe' },
      created_at: '2025-03-01T09:00:00Z',
      expires_at: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    },
    {
      id: 'apr_2',
      url: 'javascript:alert(1)',
      recommendation: { id: 'r9', type: 'upsell', priority: 'medium', action: 'Offer the add-on', confidence: 0.5 },
      account: { id: 'a-low', name: 'Lowly Ltd' },
      owner: { id: null, name: null },
      created_at: '2025-03-01T09:00:00Z',
      expires_at: '2025-03-08T09:00:00Z',
    },
  ],
};

type FetchResult = { status: number; body: unknown } | Error;

function fakeFetch(routes: Record<string, FetchResult>) {
  const calls: string[] = [];
  const fetch = (url: string) => {
    calls.push(url);
    const result = routes[url];
    if (!result) return Promise.reject(new Error(`unexpected fetch ${url}`));
    if (result instanceof Error) return Promise.reject(result);
    return Promise.resolve({
      ok: result.status < 300,
      status: result.status,
      json: () => Promise.resolve(result.body),
    });
  };
  return { fetch, calls };
}

// The script asks for the biggest pages the API gives (100) and follows next_cursor.
const ACCOUNTS_URL = '/api/v1/accounts?limit=100';
const APPROVALS_URL = '/api/v1/approvals?limit=100';

const OK: Record<string, FetchResult> = {
  [ACCOUNTS_URL]: { status: 200, body: ACCOUNTS },
  [APPROVALS_URL]: { status: 200, body: APPROVALS },
};

async function runDashboard(routes: Record<string, FetchResult> = OK, search = '') {
  const doc = new FakeDocument(staticIdsOf(dashboardPage()));
  const urls: string[] = [];
  const location = { search, pathname: '/', hash: '' };
  const history = { replaceState: (_state: unknown, _title: string, url: string) => urls.push(url) };
  const { fetch, calls } = fakeFetch(routes);
  new Function('document', 'fetch', 'location', 'history', DASHBOARD_SCRIPT)(doc, fetch, location, history);
  // Every promise in the script settles in microtasks; one macrotask later all are done.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setTimeout(resolve, 0));
  return { doc, urls, calls };
}

const rowsOf = (doc: FakeDocument) => doc.element('account-list').byTestId('account-row');
const visibleNames = (doc: FakeDocument) =>
  rowsOf(doc)
    .filter((row) => row.visible)
    .map((row) => nameOf(row));
const nameOf = (row: FakeElement) => row.descendants().find((e) => e.className === 'account-name')?.textContent;

describe('dashboard page (static HTML)', () => {
  const html = dashboardPage();

  it('carries the testids browser tests rely on', () => {
    for (const level of ['all', 'critical', 'high', 'medium', 'low', 'none']) {
      expect(html).toContain(`data-testid="risk-filter-${level}"`);
    }
    expect(html).toContain('data-testid="pending-approvals"');
    // Rows and approval links are built by the script from the fetched data.
    expect(DASHBOARD_SCRIPT).toContain("'data-testid': 'account-row'");
    expect(DASHBOARD_SCRIPT).toContain("'data-testid': 'approval-link'");
  });

  it('is an accessible shell with the product name and loading states', () => {
    expectAccessibleShell(html);
    expect(html).toContain('<span class="brand-name">Sergas</span>');
    expect(html).toContain('Loading accounts…');
    expect(html).toContain('Loading approvals…');
  });

  it('has one inline script that parses and never assigns HTML', () => {
    const scripts = scriptsOf(html);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.trim()).toBe(DASHBOARD_SCRIPT);
    expect(() => new Function(scripts[0] as string)).not.toThrow();
    expect(DASHBOARD_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(DASHBOARD_SCRIPT).not.toContain('</script');
  });

  it('fetches same-origin relative URLs only', () => {
    const urls = [...DASHBOARD_SCRIPT.matchAll(/'(\/api\/[^']*)'/g)].map((m) => m[1]);
    expect(urls).toEqual(['/api/v1/accounts?limit=100', '/api/v1/approvals?limit=100']);
    // The SVG namespace is a name, not a request.
    expect(DASHBOARD_SCRIPT.replaceAll("'http://www.w3.org/2000/svg'", '')).not.toMatch(/https?:\/\//);
  });
});

describe('dashboard script', () => {
  it('renders accounts riskiest first, then by priority score', async () => {
    const { doc, calls } = await runDashboard();
    expect(calls).toEqual([ACCOUNTS_URL, APPROVALS_URL]);
    expect(visibleNames(doc)).toEqual([XSS, 'Beta Inc', 'Alpha AG', 'Lowly Ltd', 'Newco']);
    expect(doc.element('result-count').textContent).toBe('5 accounts');
    expect(doc.element('accounts-state').children).toHaveLength(0);
  });

  it('keeps CRM text as text: a <script> in a name never becomes an element', async () => {
    const { doc } = await runDashboard();
    expect(doc.created.some((e) => e.tagName === 'SCRIPT')).toBe(false);
    const critical = rowsOf(doc)[0] as FakeElement;
    expect(critical.textContent).toContain(XSS);
  });

  it('shows counts per risk level from the summary and the approval queue length', async () => {
    const { doc } = await runDashboard();
    const counts = ['all', 'critical', 'high', 'medium', 'low', 'none'].map(
      (l) => doc.element(`count-${l}`).textContent,
    );
    expect(counts).toEqual(['5', '1', '2', '0', '1', '1']);
    expect(doc.element('count-pending').textContent).toBe('2');
    expect(doc.element('approvals-count').textContent).toBe('(2)');
  });

  it('filters by risk chip, and All resets', async () => {
    const { doc, urls } = await runDashboard();
    doc.element('risk-filter-high').click();
    expect(visibleNames(doc)).toEqual(['Beta Inc', 'Alpha AG']);
    expect(doc.element('risk-filter-high').getAttribute('aria-pressed')).toBe('true');
    expect(doc.element('risk-filter-all').getAttribute('aria-pressed')).toBe('false');
    expect(doc.element('result-count').textContent).toBe('Showing 2 of 5 accounts');
    expect(urls.at(-1)).toBe('/?risk=high');
    doc.element('risk-filter-all').click();
    expect(visibleNames(doc)).toHaveLength(5);
    expect(urls.at(-1)).toBe('/');
  });

  it('builds the owner filter from the data and combines it with search', async () => {
    const { doc } = await runDashboard();
    const select = doc.element('owner-filter');
    const options = select.children as FakeElement[];
    expect(options.map((o) => [o.getAttribute('value'), o.textContent])).toEqual([
      ['', 'All owners'],
      ['u2', 'Bob Ray'],
      ['u1', 'Jane Doe'],
    ]);
    select.dispatch('change', { target: Object.assign(select, { value: 'u2' }) });
    expect(visibleNames(doc)).toEqual(['Beta Inc', 'Lowly Ltd']);
    const search = doc.element('search');
    search.dispatch('input', { target: Object.assign(search, { value: ' low' }) });
    expect(visibleNames(doc)).toEqual(['Lowly Ltd']);
    search.dispatch('input', { target: Object.assign(search, { value: 'nothing like it' }) });
    expect(visibleNames(doc)).toEqual([]);
    expect(doc.element('accounts-state').textContent).toContain('No accounts match these filters.');
  });

  it('restores filters from the query string', async () => {
    const { doc } = await runDashboard(OK, '?risk=high&q=beta');
    expect(visibleNames(doc)).toEqual(['Beta Inc']);
    expect(doc.element('search').value).toBe('beta');
  });

  it('lists signals with evidence and recommendations with a Review link when pending', async () => {
    const { doc } = await runDashboard();
    const critical = rowsOf(doc)[0] as FakeElement;
    const text = critical.textContent;
    expect(critical.getAttribute('data-risk')).toBe('critical');
    expect(critical.descendants().some((e) => e.tagName === 'DETAILS')).toBe(true);
    expect(critical.descendants().some((e) => e.tagName === 'SUMMARY')).toBe(true);
    expect(text).toContain('Critical');
    expect(text).toContain('Needs review');
    expect(text).toContain('32');
    expect(text).toContain('Inactivity');
    expect(text).toContain('No activity in 45 days');
    expect(text).toContain('Calls Call_Start_Time = 2025-01-15 (call_9)');
    expect(text).toContain('Re engagement');
    expect(text).toContain('72% confidence');
    expect(text).toContain('Awaiting approval');
    const links = critical.descendants().filter((e) => e.tagName === 'A');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/approvals/apr%201', '/runs/run_9', '/owners/u1/brief']);
    expect(links[0]?.textContent).toContain('Review');
    expect(links[1]?.textContent).toContain('Run timeline');
  });

  it('shows an unanalyzed account without inventing scores', async () => {
    const { doc } = await runDashboard();
    const newco = rowsOf(doc).find((row) => nameOf(row) === 'Newco') as FakeElement;
    expect(newco.textContent).toContain('Not analyzed');
    expect(newco.textContent).toContain('—');
  });

  it('lists pending approvals with same-origin links only', async () => {
    const { doc } = await runDashboard();
    const links = doc.element('approval-list').byTestId('approval-link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/approvals/apr_1', '/approvals/apr_2']);
    expect(links[0]?.textContent).toContain(XSS);
    expect(doc.element('approval-list').textContent).toContain('Offer the add-on');
    expect(doc.element('approvals-state').children).toHaveLength(0);
  });

  it.each([
    [
      { status: 500, body: { error: { code: 'INTERNAL', message: 'Database unavailable' } } },
      'HTTP 500 (Database unavailable)',
    ],
    [{ status: 401, body: null }, 'not signed in'],
    [new TypeError('Failed to fetch'), 'could not be reached'],
  ])('shows a readable alert when the accounts fetch fails (%#)', async (failure, words) => {
    const { doc } = await runDashboard({ ...OK, [ACCOUNTS_URL]: failure });
    const alert = doc
      .element('accounts-state')
      .descendants()
      .find((e) => e.getAttribute('role') === 'alert');
    expect(alert?.textContent).toContain('Could not load accounts');
    expect(alert?.textContent).toContain(words);
    expect(rowsOf(doc)).toHaveLength(0);
    // The approvals half of the page still works.
    expect(doc.element('approval-list').byTestId('approval-link')).toHaveLength(2);
  });

  it('follows next_cursor until every page of accounts is in, and keeps the first page’s summary', async () => {
    const [first, ...rest] = ACCOUNTS.accounts;
    const { doc, calls } = await runDashboard({
      ...OK,
      [ACCOUNTS_URL]: { status: 200, body: { ...ACCOUNTS, accounts: [first], next_cursor: 'c 1' } },
      [`${ACCOUNTS_URL}&cursor=c%201`]: { status: 200, body: { accounts: rest, summary: {}, next_cursor: null } },
    });
    expect(calls).toEqual([ACCOUNTS_URL, APPROVALS_URL, `${ACCOUNTS_URL}&cursor=c%201`]);
    expect(visibleNames(doc)).toEqual([XSS, 'Beta Inc', 'Alpha AG', 'Lowly Ltd', 'Newco']);
  });

  it('offers to sign in when the API answers 401', async () => {
    const { doc } = await runDashboard({ ...OK, [ACCOUNTS_URL]: { status: 401, body: null } });
    const link = doc.element('accounts-state').byTestId('sign-in-link')[0];
    expect(link?.getAttribute('href')).toBe('/sign-in?next=%2F');
  });

  it('retries after a failure', async () => {
    const routes: Record<string, FetchResult> = { ...OK, [APPROVALS_URL]: { status: 503, body: null } };
    const { doc } = await runDashboard(routes);
    const retry = doc
      .element('approvals-state')
      .descendants()
      .find((e) => e.tagName === 'BUTTON') as FakeElement;
    expect(doc.element('approvals-state').textContent).toContain('Could not load pending approvals');
    routes[APPROVALS_URL] = OK[APPROVALS_URL] as FetchResult;
    retry.click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(doc.element('approval-list').byTestId('approval-link')).toHaveLength(2);
  });

  it('says so when there is nothing yet', async () => {
    const { doc } = await runDashboard({
      [ACCOUNTS_URL]: {
        status: 200,
        body: { accounts: [], summary: { by_risk: {}, pending_approvals: 0, accounts: 0 } },
      },
      [APPROVALS_URL]: { status: 200, body: { approvals: [] } },
    });
    expect(doc.element('accounts-state').textContent).toContain('No accounts yet');
    expect(doc.element('approvals-state').textContent).toBe('Nothing is waiting for approval.');
  });

  it('focuses the search on "/" unless the reader is typing', async () => {
    const { doc } = await runDashboard();
    const event = doc.dispatch('keydown', { key: '/', target: doc.body });
    expect(event.defaultPrevented).toBe(true);
    expect(doc.activeElement).toBe(doc.element('search'));
    const typing = doc.dispatch('keydown', { key: '/', target: doc.element('search') });
    expect(typing.defaultPrevented).toBe(false);
  });
});

describe('health trend sparklines', () => {
  it('draws the last reviews as a labelled SVG line, and nothing for fewer than two', async () => {
    const { doc } = await runDashboard();
    const row = rowsOf(doc).find((r) => nameOf(r) === 'Alpha AG') as FakeElement;
    const [svg] = row.byTestId('health-sparkline');
    expect(svg?.getAttribute('role')).toBe('img');
    expect(svg?.getAttribute('aria-label')).toBe('Health 62 → 48 over 3 reviews');
    expect(svg?.getAttribute('class')).toContain('down');
    const line = svg?.descendants().find((e) => e.tagName === 'POLYLINE');
    expect(line?.getAttribute('points')?.split(' ')).toHaveLength(3);
    const other = rowsOf(doc).find((r) => nameOf(r) === 'Beta Inc') as FakeElement;
    expect(other.byTestId('health-sparkline')).toHaveLength(0);
  });
});
