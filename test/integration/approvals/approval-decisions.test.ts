import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { domainRulesOf } from '../../../shared/domain/domain-rules.ts';
import type { Approval } from '../../../shared/ports/approvals.ts';
import type { StoredRecommendation } from '../../../shared/ports/recommendations.ts';
import type { WorkflowEngine } from '../../../shared/ports/workflow-engine.ts';
import { requestApproval } from '../../../shared/use-cases/request-approval.ts';
import {
  CARD_NUMBER,
  CARD_NUMBER_RULE,
  OWNER_SUBJECT,
  TEXT_WITH_CARD_NUMBER,
} from '../../fixtures/approvals/draft-edits.ts';
import { type StackDatabase, stackDatabases } from '../../support/databases.ts';
import { ACCOUNTS, type ApiHarness, type Json, startApiHarness } from '../api/api-harness.ts';

interface Pending {
  approval: Approval;
  recommendation: StoredRecommendation;
  ownerId: string;
}

const jsonPost = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** A workflow engine that only records what resumed which token. */
class RecordingWorkflow {
  readonly successes: { token: string; output: Record<string, unknown> }[] = [];
  async sendTaskSuccess(token: string, output: Record<string, unknown>) {
    this.successes.push({ token, output });
  }
}

/**
 * The local stack on the small org with the given accounts analysed, so each has pending approvals, and a way
 * to hand every test approvals nobody else uses.
 */
function approvalsHarness(makeDatabase: () => Promise<StackDatabase>, analyze?: readonly string[]) {
  const state = { h: undefined as unknown as ApiHarness, pending: [] as Pending[] };
  const used = new Set<string>();
  let database: StackDatabase | undefined;

  beforeAll(async () => {
    database = await makeDatabase();
    state.h = await startApiHarness({ env: database.env, ...(analyze ? { analyze } : {}) });
    for (const approval of await state.h.deps.approvals.listPending()) {
      const recommendation = (await state.h.deps.recommendations.get(approval.recommendationId))!;
      const ownerId = (await state.h.deps.listings.ownerOfAccount(recommendation.accountId))!;
      state.pending.push({ approval, recommendation, ownerId });
    }
  });
  afterAll(async () => {
    await state.h?.close();
    await database?.drop();
  });

  return {
    get h() {
      return state.h;
    },
    get pending() {
      return state.pending;
    },
    used,
    /** A pending approval no other test has taken. */
    take(predicate: (p: Pending) => boolean = () => true): Pending {
      const found = state.pending.find((p) => !used.has(p.approval.id) && predicate(p));
      if (!found) throw new Error('no pending approval left for this test');
      used.add(found.approval.id);
      return found;
    },
    ownerToken: (p: Pending) => state.h.token('rep', p.ownerId),
  };
}

const writesTask = (p: Pending) =>
  p.approval.payload.module === 'Tasks' &&
  (p.recommendation.draft?.kind === 'email' || p.recommendation.draft?.kind === 'task');

describe.each(stackDatabases())('approval decisions on %s', (_name, makeDatabase) => {
  const harness = approvalsHarness(makeDatabase);
  const { take, ownerToken, used } = harness;
  /** Set aside before the other tests take theirs: three of one owner's approvals and one of someone else's. */
  let forBatch: { mine: Pending; decided: Pending; expired: Pending; foreign: Pending };

  beforeAll(() => {
    const byOwner = Map.groupBy(harness.pending, (p) => p.ownerId);
    const [[, mostPending], [, nextMost]] = [...byOwner].sort(([, a], [, b]) => b.length - a.length) as [
      [string, Pending[]],
      [string, Pending[]],
    ];
    const [mine, decided, expired] = mostPending as [Pending, Pending, Pending];
    forBatch = { mine, decided, expired, foreign: nextMost[0]! };
    for (const p of Object.values(forBatch)) used.add(p.approval.id);
  });

  async function tasksWithKey(recommendationId: string): Promise<Json[]> {
    const { h } = harness;
    const grant = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: DEFAULT_SANDBOX_CREDENTIALS.clientId,
      client_secret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
      refresh_token: DEFAULT_SANDBOX_CREDENTIALS.refreshToken,
    });
    const { access_token } = (await (
      await fetch(`${h.deps.sandbox.url}/oauth/v2/token`, { method: 'POST', body: grant })
    ).json()) as { access_token: string };
    const criteria = encodeURIComponent(`(Sergas_Key:equals:${recommendationId}:create)`);
    const search = await fetch(`${h.deps.sandbox.url}/crm/v8/Tasks/search?criteria=${criteria}`, {
      headers: { authorization: `Zoho-oauthtoken ${access_token}` },
    });
    if (search.status === 204) return [];
    return ((await search.json()) as { data: Json[] }).data;
  }

  it('approves as drafted: Zoho gets exactly the approved payload, once, and the decision names who and how', async () => {
    const { h } = harness;
    const p = take(writesTask);
    const response = await h.call(
      `/api/v1/recommendations/${p.recommendation.id}/approve`,
      await ownerToken(p),
      jsonPost({}),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'approved',
      approvalId: p.approval.id,
      runId: p.approval.runId,
      payloadHash: p.approval.payloadHash,
    });
    const approval = (await h.deps.approvals.get(p.approval.id))!;
    expect(approval).toMatchObject({ status: 'approved', channel: 'api', payloadHash: p.approval.payloadHash });
    expect(approval.decidedBy).toMatch(/^rep\d+@example\.com$/);
    await h.deps.engine!.idle();
    const tasks = await tasksWithKey(p.recommendation.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.Subject).toBe(p.approval.payload.record.Subject);
    expect((await h.deps.recommendations.get(p.recommendation.id))?.status).toBe('executed');
  });

  it('answers 409 to a second decision, whichever way it comes, and changes nothing', async () => {
    const { h } = harness;
    const p = take();
    const token = await ownerToken(p);
    expect((await h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'approve' }))).status).toBe(200);
    const decided = (await h.deps.approvals.get(p.approval.id))!;
    const again = await h.call(`/api/v1/recommendations/${p.recommendation.id}/approve`, token, jsonPost({}));
    expect(again.status).toBe(409);
    expect(((await again.json()) as Json).error).toMatchObject({
      code: 'APPROVAL_ALREADY_DECIDED',
      message: expect.stringMatching(/already decided \(approved\)/),
    });
    const attempts = [
      h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'reject', reason: 'changed my mind' })),
      h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'approve_with_edits', subject: OWNER_SUBJECT })),
      h.call(`/api/v1/approvals/${p.approval.id}/defer`, token, jsonPost({ days: 2 })),
    ];
    for (const attempt of attempts) expect((await attempt).status).toBe(409);
    expect(await h.deps.approvals.get(p.approval.id)).toEqual(decided);
    await h.deps.engine!.idle();
    expect(await tasksWithKey(p.recommendation.id)).toHaveLength(1);
  });

  it('answers 410 for an approval past its expiry, to approve, reject and defer alike, and decides nothing', async () => {
    const { h } = harness;
    const p = take();
    const token = await ownerToken(p);
    await h.deps.db.query(`UPDATE approvals SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      p.approval.id,
    ]);
    const approve = await h.call(`/api/v1/recommendations/${p.recommendation.id}/approve`, token, jsonPost({}));
    expect(approve.status).toBe(410);
    expect(((await approve.json()) as Json).error.code).toBe('APPROVAL_EXPIRED');
    const attempts = [
      h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'reject', reason: 'too late anyway' })),
      h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'approve_with_edits', subject: OWNER_SUBJECT })),
      h.call(`/api/v1/approvals/${p.approval.id}/defer`, token, jsonPost({ days: 2 })),
    ];
    for (const attempt of attempts) expect((await attempt).status).toBe(410);
    expect(await h.deps.approvals.get(p.approval.id)).toMatchObject({ status: 'pending', decidedBy: null });
    expect((await h.deps.recommendations.get(p.recommendation.id))?.status).toBe(p.recommendation.status);
  });

  it('approves with edits: the approval stores the edited payload and its hash, and Zoho gets exactly that, once', async () => {
    const { h } = harness;
    const p = take(writesTask);
    const edits = { subject: OWNER_SUBJECT };
    const response = await h.call(
      `/api/v1/recommendations/${p.recommendation.id}/approve`,
      await ownerToken(p),
      jsonPost({ edits }),
    );
    expect(response.status).toBe(200);
    const result = (await response.json()) as Json;
    expect(result).toMatchObject({ status: 'approved', edited: true });
    const approval = (await h.deps.approvals.get(p.approval.id))!;
    expect(approval.payloadHash).toBe(result.payloadHash);
    expect(approval.payloadHash).not.toBe(p.approval.payloadHash);
    expect(String(approval.payload.record.Subject)).toContain(edits.subject);
    await h.deps.engine!.idle();
    const tasks = await tasksWithKey(p.recommendation.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.Subject).toBe(approval.payload.record.Subject);
    expect((await h.deps.recommendations.get(p.recommendation.id))?.status).toBe('executed');
    const audit = await h.deps.db.query<{ details: Json }>(
      `SELECT details FROM audit_logs WHERE resource_id = $1 AND action = 'approval.approved'`,
      [p.recommendation.id],
    );
    expect(audit[0]?.details).toMatchObject({ edited: true, originalPayloadHash: p.approval.payloadHash });
  });

  it('refuses an edit carrying a card number with 422 naming the violation, and decides nothing', async () => {
    const { h } = harness;
    const p = take(writesTask);
    const field = p.recommendation.draft?.kind === 'email' ? 'body' : 'description';
    const edits = { [field]: TEXT_WITH_CARD_NUMBER };
    const response = await h.call(
      `/api/v1/recommendations/${p.recommendation.id}/approve`,
      await ownerToken(p),
      jsonPost({ edits }),
    );
    expect(response.status).toBe(422);
    const body = (await response.json()) as Json;
    expect(body.error.code).toBe('COMPLIANCE_VIOLATION');
    expect(JSON.stringify(body)).toMatch(CARD_NUMBER_RULE);
    expect(JSON.stringify(body)).not.toContain(CARD_NUMBER);
    const approval = (await h.deps.approvals.get(p.approval.id))!;
    expect(approval.status).toBe('pending');
    expect(approval.payloadHash).toBe(p.approval.payloadHash);

    // The same through the approval page's form.
    const page = await h.call(
      `/approvals/${p.approval.id}`,
      await ownerToken(p),
      form({ decision: 'approve_with_edits', [field]: edits[field]! }),
    );
    expect(page.status).toBe(422);
    expect((await h.deps.approvals.get(p.approval.id))?.status).toBe('pending');
  });

  it('needs a reason to reject (400) and takes one through the form, keeping it with the channel', async () => {
    const { h } = harness;
    const p = take();
    const token = await ownerToken(p);
    for (const reason of [undefined, '   ']) {
      const fields: Record<string, string> =
        reason === undefined ? { decision: 'reject' } : { decision: 'reject', reason };
      expect((await h.call(`/approvals/${p.approval.id}`, token, form(fields))).status).toBe(400);
    }
    expect((await h.deps.approvals.get(p.approval.id))?.status).toBe('pending');
    const ok = await h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'reject', reason: 'not now' }));
    expect(ok.status).toBe(200);
    expect(await h.deps.approvals.get(p.approval.id)).toMatchObject({
      status: 'rejected',
      channel: 'web',
      reason: 'not now',
    });
    expect((await h.deps.recommendations.get(p.recommendation.id))?.status).toBe('rejected');
    await h.deps.engine!.idle();
    expect(await tasksWithKey(p.recommendation.id)).toEqual([]);
  });

  it('defers N days: still pending, expiry N days later, recommendation deferred, audited; bad days → 400', async () => {
    const { h } = harness;
    const p = take();
    const token = await ownerToken(p);
    for (const days of [0, 31, 2.5]) {
      const bad = await h.call(`/api/v1/approvals/${p.approval.id}/defer`, token, jsonPost({ days }));
      expect(bad.status).toBe(400);
    }
    const response = await h.call(`/api/v1/approvals/${p.approval.id}/defer`, token, jsonPost({ days: 3 }));
    expect(response.status).toBe(200);
    const approval = (await h.deps.approvals.get(p.approval.id))!;
    expect(approval.status).toBe('pending');
    expect(approval.expiresAt.getTime() - p.approval.expiresAt.getTime()).toBe(3 * 86_400_000);
    expect(approval.deferredUntil).toBeInstanceOf(Date);
    expect((await h.deps.recommendations.get(p.recommendation.id))?.status).toBe('deferred');
    const audit = await h.deps.db.query(
      `SELECT 1 FROM audit_logs WHERE resource_id = $1 AND action = 'approval.deferred'`,
      [p.recommendation.id],
    );
    expect(audit).toHaveLength(1);
    // The form's defer works too, and a foreign rep may not defer.
    const foreign = await h.token('rep', harness.pending.find((other) => other.ownerId !== p.ownerId)!.ownerId);
    expect((await h.call(`/api/v1/approvals/${p.approval.id}/defer`, foreign, jsonPost({ days: 1 }))).status).toBe(403);
    const viaForm = await h.call(`/approvals/${p.approval.id}`, token, form({ decision: 'defer', days: '2' }));
    expect(viaForm.status).toBe(200);
    expect((await h.deps.approvals.get(p.approval.id))?.expiresAt.getTime()).toBe(
      approval.expiresAt.getTime() + 2 * 86_400_000,
    );
  });

  it('batch approves: each id on its own, answering ok / 409 / 403 / 410 / 404 per id', async () => {
    const { h } = harness;
    const { mine, decided, expired, foreign } = forBatch;
    const token = await ownerToken(mine);
    await h.call(`/approvals/${decided.approval.id}`, token, form({ decision: 'reject', reason: 'no' }));
    await h.deps.db.query(`UPDATE approvals SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      expired.approval.id,
    ]);
    const ids = [mine.approval.id, decided.approval.id, foreign.approval.id, expired.approval.id, 'no-such-approval'];
    const response = await h.call('/api/v1/approvals/batch-approve', token, jsonPost({ approvalIds: ids }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.results.map((r: Json) => [r.approvalId, r.status, r.ok])).toEqual([
      [mine.approval.id, 200, true],
      [decided.approval.id, 409, false],
      [foreign.approval.id, 403, false],
      [expired.approval.id, 410, false],
      ['no-such-approval', 404, false],
    ]);
    expect(body).toMatchObject({ approved: 1, failed: 4 });
    expect(await h.deps.approvals.get(mine.approval.id)).toMatchObject({ status: 'approved', channel: 'api' });
    expect((await h.deps.approvals.get(foreign.approval.id))?.status).toBe('pending');
    expect((await h.deps.approvals.get(expired.approval.id))?.status).toBe('pending');
    expect((await h.call('/api/v1/approvals/batch-approve', token, jsonPost({ approvalIds: [] }))).status).toBe(400);
    await h.deps.engine!.idle();
  });
});

/** The policies decide without a person, so they need no second database: Tom's accounts on the embedded one. */
describe('approval policies per type: forbid and auto', () => {
  const embedded = stackDatabases().find(([name]) => name === 'pglite')![1];
  const harness = approvalsHarness(embedded, ACCOUNTS.tom);
  const { take } = harness;

  it('policy forbid: the recommendation is skipped and audited, nobody is asked', async () => {
    const { h } = harness;
    const p = take((candidate) => candidate.recommendation.type !== 'create_task');
    const workflow = new RecordingWorkflow();
    const rules = domainRulesOf({ approval: { policy: { [p.recommendation.type]: 'forbid' } } });
    const result = await requestApproval(
      { ...h.deps, rules, workflow: workflow as unknown as WorkflowEngine, notifier: undefined },
      { runId: p.approval.runId, recommendationId: p.recommendation.id, taskToken: 'token-forbid' },
    );
    expect(result.policy).toBe('forbid');
    expect(workflow.successes).toEqual([
      { token: 'token-forbid', output: expect.objectContaining({ decision: 'skipped' }) },
    ]);
    expect((await h.deps.recommendations.get(p.recommendation.id))?.status).toBe('skipped');
    const audit = await h.deps.db.query(
      `SELECT 1 FROM audit_logs WHERE resource_id = $1 AND action = 'recommendation.skipped'`,
      [p.recommendation.id],
    );
    expect(audit).toHaveLength(1);
  });

  it('policy auto: only a create_task for the account owner is approved by policy:auto; anything else waits for a person', async () => {
    expect(() => domainRulesOf({ approval: { policy: { follow_up_email: 'auto' } } })).toThrow(/create_task/);
    const rules = domainRulesOf({ approval: { policy: { create_task: 'auto' } } });
    const { h, pending, used } = harness;
    const other = take((p) => p.recommendation.type !== 'create_task');
    const workflow = new RecordingWorkflow();
    const deps = { ...h.deps, rules, workflow: workflow as unknown as WorkflowEngine, notifier: undefined };
    const asked = await requestApproval(deps, {
      runId: other.approval.runId,
      recommendationId: other.recommendation.id,
      taskToken: 'token-review',
    });
    expect(asked.policy).toBe('review');
    expect(workflow.successes).toHaveLength(0);

    const task = pending.find(
      (p) =>
        !used.has(p.approval.id) &&
        p.recommendation.type === 'create_task' &&
        p.recommendation.draft?.kind === 'task' &&
        p.recommendation.draft.ownerId === p.ownerId,
    );
    if (!task) return; // the small org's analysis proposes no owner task: the rule is covered in the unit tests
    used.add(task.approval.id);
    const auto = await requestApproval(deps, {
      runId: task.approval.runId,
      recommendationId: task.recommendation.id,
      taskToken: 'token-auto',
    });
    expect(auto.policy).toBe('auto');
    const approval = (await h.deps.approvals.get(task.approval.id))!;
    expect(approval).toMatchObject({ status: 'approved', decidedBy: 'policy:auto', channel: 'policy' });
    expect(workflow.successes.at(-1)?.output).toMatchObject({ decision: 'approve', payloadHash: approval.payloadHash });
  });
});
