import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { generateDemoOrg } from '../../../local/zoho-sandbox/demo-org-generator.ts';
import { RECOMMENDATION_TYPES, SIGNAL_TYPES } from '../../../shared/domain/analysis.ts';
import { getAccountAnalysis } from '../../../shared/use-cases/account-views.ts';
import { analyzeAccounts } from '../../../shared/use-cases/analyze-accounts.ts';
import { indexAccountFeatures } from '../../../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { FIXTURE_AS_OF, tempHome } from '../../support/local-home.ts';

const ACCOUNTS = 60;

const Evidence = z.object({ module: z.string().min(1), id: z.string().min(1), field: z.string().min(1) }).loose();

/** CONTRACTS.md "Analysis result", every field it names (extra fields are allowed: contracts only grow). */
const AnalysisContract = z
  .object({
    account_id: z.string(),
    account_name: z.string().min(1),
    owner: z.object({ id: z.string(), name: z.string().nullable() }),
    as_of: z.iso.datetime(),
    run: z
      .object({
        id: z.string(),
        status: z.enum(['AWAITING_APPROVAL', 'COMPLETED', 'FAILED']),
        states: z.array(z.string()).min(1),
      })
      .loose(),
    risk_level: z.enum(['none', 'low', 'medium', 'high', 'critical']),
    health: z
      .object({
        score: z.number().int().min(0).max(100),
        band: z.enum(['healthy', 'moderate', 'at_risk', 'critical']),
        factors: z.array(z.object({ name: z.string(), points: z.number(), evidence: z.array(Evidence) }).loose()),
      })
      .loose(),
    priority_score: z.number().min(0).max(100),
    needs_review: z.boolean(),
    signals: z.array(
      z
        .object({
          type: z.enum(SIGNAL_TYPES),
          severity: z.enum(['low', 'medium', 'high', 'critical', 'opportunity']),
          detail: z.string().min(1),
          evidence: z.array(Evidence).min(1),
        })
        .loose(),
    ),
    recommendations: z
      .array(
        z
          .object({
            id: z.string(),
            type: z.enum(RECOMMENDATION_TYPES),
            priority: z.enum(['low', 'medium', 'high', 'critical']),
            confidence: z.number().min(0.5).max(1),
            action: z.string().min(1),
            rationale: z.string().min(1),
            evidence: z.array(Evidence).min(1),
            draft: z
              .object({ kind: z.enum(['email', 'task', 'field_update', 'note']) })
              .loose()
              .nullable(),
            requires_approval: z.boolean(),
            approval_id: z.string().nullable(),
            expires_at: z.iso.datetime(),
          })
          .loose(),
      )
      .max(3),
    memory: z
      .object({
        engagement_cycle: z.object({}).loose(),
        sentiment_trend: z.object({}).loose(),
        commitments: z.object({}).loose(),
        similar_accounts: z.array(z.object({ account_id: z.string(), name: z.string(), score: z.number() })),
      })
      .loose(),
    compliance: z.object({
      approved: z.boolean(),
      risk_level: z.enum(['low', 'medium', 'high']),
      pii_detected: z.array(z.unknown()),
      policy_violations: z.array(z.unknown()),
    }),
  })
  .loose();

/**
 * `sergas analyze <id> --json` prints `getAccountAnalysis`: here every account of a generated demo org goes
 * through the real workflow (local runner, embedded database, sandbox over HTTP) and each answer is checked
 * against the contract.
 */
describe(`the analysis of every account of a ${ACCOUNTS}-account demo org`, () => {
  let deps: LocalContainer;
  let cleanup: () => Promise<void>;
  let accountIds: string[];

  beforeAll(async () => {
    const home = await tempHome();
    deps = await openLocalContainer(home.config());
    await deps.sandbox.store!.replace(generateDemoOrg({ accounts: ACCOUNTS, seed: 7, asOf: FIXTURE_AS_OF }));
    await syncFull(deps);
    await indexAccountFeatures(deps);
    accountIds = (await deps.copy.listAccounts()).map((account) => account.id);
    const results = await analyzeAccounts(deps, {
      accountIds,
      asOf: FIXTURE_AS_OF,
      requestedBy: 'contract-test',
      concurrency: 4,
    });
    expect(results.filter((result) => result.error).map((result) => result.error?.message)).toEqual([]);
    cleanup = async () => {
      await deps.close();
      await home.remove();
    };
  }, 300_000);
  afterAll(async () => cleanup?.());

  it('answers the full analysis contract for each of them', async () => {
    expect(accountIds).toHaveLength(ACCOUNTS);
    for (const accountId of accountIds) {
      const parsed = AnalysisContract.safeParse(await getAccountAnalysis(deps, accountId));
      expect(parsed.error?.issues ?? [], accountId).toEqual([]);
    }
  });

  it('cites only records the account really has in its evidence', async () => {
    for (const accountId of accountIds) {
      const analysis = await getAccountAnalysis(deps, accountId);
      const snapshot = (await deps.copy.loadSnapshot(accountId))!;
      const known = new Set([
        snapshot.account.id,
        ...snapshot.contacts.map((c) => c.id),
        ...snapshot.deals.map((d) => d.id),
        ...snapshot.activities.map((a) => a.id),
      ]);
      const cited = [...analysis.signals, ...analysis.recommendations].flatMap((item) => item.evidence);
      const foreign = cited.filter((e) => e.module !== 'Stage_History' && !known.has(e.id));
      expect(foreign, accountId).toEqual([]);
    }
  });

  it('spreads the demo org over every risk level', async () => {
    const levels = new Set<string>();
    for (const accountId of accountIds) levels.add((await getAccountAnalysis(deps, accountId)).risk_level);
    expect([...levels].sort()).toEqual(expect.arrayContaining(['critical', 'high', 'none']));
  });
});
