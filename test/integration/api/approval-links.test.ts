import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../local/zoho-sandbox/sandbox-server.ts';
import type { Approval } from '../../../shared/ports/approvals.ts';
import { decideApproval } from '../../../shared/use-cases/decide-approval.ts';
import { type ApiHarness, PEOPLE, startApiHarness } from './api-harness.ts';

/** An approval page's form, as a browser posts it. */
const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

interface PendingApproval {
  approval: Approval;
  accountId: string;
  ownerId: string;
}

describe('approval links: only the right person decides, once, by POST', () => {
  let h: ApiHarness;
  let pending: PendingApproval[];
  const used = new Set<string>();

  beforeAll(async () => {
    h = await startApiHarness();
    const approvals = await h.deps.approvals.listPending();
    pending = [];
    for (const approval of approvals) {
      const recommendation = (await h.deps.recommendations.get(approval.recommendationId))!;
      const ownerId = (await h.deps.listings.ownerOfAccount(recommendation.accountId))!;
      pending.push({ approval, accountId: recommendation.accountId, ownerId });
    }
  });
  afterAll(async () => h?.close());

  /** A pending approval no other test has used, optionally one whose draft writes a Task. */
  function take(predicate: (p: PendingApproval) => boolean = () => true): PendingApproval {
    const found = pending.find((p) => !used.has(p.approval.id) && predicate(p));
    if (!found) throw new Error('no pending approval left for this test');
    used.add(found.approval.id);
    return found;
  }

  const ownerToken = (p: PendingApproval) => h.token('rep', p.ownerId);
  const foreignToken = (p: PendingApproval) =>
    h.token('rep', [PEOPLE.tom, PEOPLE.nina, PEOPLE.oscar].find((id) => id !== p.ownerId)!);
  const statusOf = async (id: string) => (await h.deps.approvals.get(id))?.status;

  it('answers 404 for a tampered or made-up id, on GET and POST', async () => {
    const admin = await h.token('admin');
    const real = pending[0]!.approval.id;
    const tampered = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`;
    for (const id of [tampered, randomBytes(16).toString('base64url')]) {
      expect((await h.call(`/approvals/${id}`, admin)).status).toBe(404);
      const posted = await h.call(`/approvals/${id}`, admin, form({ decision: 'approve' }));
      expect(posted.status).toBe(404);
      expect(await posted.text()).toMatch(/data-outcome="not_found"/);
    }
    expect(await statusOf(real)).toBe('pending');
  });

  it('answers 410 for an expired approval and leaves it undecided', async () => {
    const p = take();
    await h.deps.db.query(`UPDATE approvals SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      p.approval.id,
    ]);
    const response = await h.call(`/approvals/${p.approval.id}`, await ownerToken(p), form({ decision: 'approve' }));
    expect(response.status).toBe(410);
    expect(await response.text()).toMatch(/data-outcome="expired"/);
    expect((await h.deps.approvals.get(p.approval.id))?.decidedBy).toBeNull();
  });

  it('answers 409 to a replayed decision, whoever sends it', async () => {
    const p = take();
    const owner = await ownerToken(p);
    const first = await h.call(`/approvals/${p.approval.id}`, owner, form({ decision: 'reject', reason: 'not now' }));
    expect(first.status).toBe(200);
    const replay = await h.call(`/approvals/${p.approval.id}`, owner, form({ decision: 'reject', reason: 'not now' }));
    expect(replay.status).toBe(409);
    expect(await replay.text()).toMatch(/already decided/);
    const flip = await h.call(`/approvals/${p.approval.id}`, await h.token('admin'), form({ decision: 'approve' }));
    expect(flip.status).toBe(409);
    expect(await statusOf(p.approval.id)).toBe('rejected');
  });

  it('answers 403 to a signed-in rep who does not own the account, and 401 to nobody; the owner’s manager may decide', async () => {
    const p = take();
    const foreign = await h.call(`/approvals/${p.approval.id}`, await foreignToken(p), form({ decision: 'approve' }));
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toMatch(/data-outcome="forbidden"/);
    const anonymous = await h.call(`/approvals/${p.approval.id}`, null, form({ decision: 'approve' }));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toMatch(/href="\/sign-in\?next=%2Fapprovals%2F/);
    expect(await statusOf(p.approval.id)).toBe('pending');

    // The page tells each of them where they stand, and shows the form only to who may decide.
    const foreignPage = await (await h.call(`/approvals/${p.approval.id}`, await foreignToken(p))).text();
    expect(foreignPage).toMatch(/data-testid="may-not-decide"/);
    expect(foreignPage).not.toMatch(/<form[^>]+id="decision-form"/);
    expect(await (await h.call(`/approvals/${p.approval.id}`)).text()).toMatch(/data-testid="sign-in-to-decide"/);

    const manager = await h.token('manager', PEOPLE.rachel);
    const page = await (await h.call(`/approvals/${p.approval.id}`, manager)).text();
    expect(page).toMatch(/<form[^>]+method="post"/i);
    const decided = await h.call(`/approvals/${p.approval.id}`, manager, form({ decision: 'reject', reason: 'dup' }));
    expect(decided.status).toBe(200);
    const approval = (await h.deps.approvals.get(p.approval.id))!;
    expect(approval).toMatchObject({
      status: 'rejected',
      decidedBy: expect.stringMatching(/^manager\d+@example\.com$/),
    });
  });

  it('never decides on GET, whatever the query string says (mail scanners prefetch links)', async () => {
    const p = take();
    const owner = await ownerToken(p);
    for (const suffix of ['', '?decision=approve', '?decision=approve&confirm=1']) {
      for (const token of [null, owner]) {
        const response = await h.call(`/approvals/${p.approval.id}${suffix}`, token);
        expect(response.status).toBe(200);
        await response.text();
      }
    }
    const head = await h.call(`/approvals/${p.approval.id}`, owner, { method: 'HEAD' });
    expect(head.status).not.toBe(200);
    expect(await statusOf(p.approval.id)).toBe('pending');
    expect((await h.deps.audit.list({ runId: p.approval.runId })).map((e) => e.action)).not.toContain(
      'approval.approved',
    );
  });

  it('takes the session cookie from the approval page’s own form (Origin: null) but not from another site', async () => {
    const p = take();
    const cookie = `sergas_session=${await ownerToken(p)}`;
    const crossSite = await h.call(
      `/approvals/${p.approval.id}`,
      null,
      form({ decision: 'approve' }, { cookie, origin: 'https://evil.example' }),
    );
    expect(crossSite.status).toBe(403);
    expect(await statusOf(p.approval.id)).toBe('pending');
    const ownPage = await h.call(
      `/approvals/${p.approval.id}`,
      null,
      form({ decision: 'reject', reason: 'handled' }, { cookie, origin: 'null' }),
    );
    expect(ownPage.status).toBe(200);
    expect(await statusOf(p.approval.id)).toBe('rejected');
  });

  it('lets one of ten concurrent approvals win: one 2xx, nine 409s and exactly one Task in the CRM', async () => {
    const p = take((candidate) => candidate.approval.payload.module === 'Tasks');
    // The run executes once every approval of it is decided: the others are rejected first.
    for (const sibling of pending.filter((s) => s.approval.runId === p.approval.runId && s !== p)) {
      used.add(sibling.approval.id);
      if ((await statusOf(sibling.approval.id)) !== 'pending') continue;
      await decideApproval(h.deps, {
        approvalId: sibling.approval.id,
        decision: 'reject',
        by: 'cli:test',
        channel: 'cli',
        reason: 'not this one',
      });
    }
    const tokens = await Promise.all(Array.from({ length: 10 }, () => ownerToken(p)));
    const responses = await Promise.all(
      tokens.map((token) => h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'approve' }))),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    await h.deps.engine!.idle();

    const grant = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: DEFAULT_SANDBOX_CREDENTIALS.clientId,
      client_secret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
      refresh_token: DEFAULT_SANDBOX_CREDENTIALS.refreshToken,
    });
    const { access_token } = (await (
      await fetch(`${h.deps.sandbox.url}/oauth/v2/token`, { method: 'POST', body: grant })
    ).json()) as { access_token: string };
    const criteria = encodeURIComponent(`(Sergas_Key:equals:${p.approval.recommendationId}:create)`);
    const search = await fetch(`${h.deps.sandbox.url}/crm/v8/Tasks/search?criteria=${criteria}`, {
      headers: { authorization: `Zoho-oauthtoken ${access_token}` },
    });
    expect(search.status).toBe(200);
    expect(((await search.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect((await h.deps.runs.get(p.approval.runId))?.status).toBe('COMPLETED');
  });
});
