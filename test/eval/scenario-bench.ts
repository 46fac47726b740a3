/**
 * Runs scenarios through the real pipeline, the way production does it: the org is served by the Zoho
 * sandbox over HTTP, `syncFull` copies it through the REST client into a migrated PGlite, and the
 * workflow's own analysis steps (Data Scout → Memory Analyst → Recommendation Author) read the copy
 * with the SQL repositories. Nothing of the domain is re-implemented here.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../local/zoho-sandbox/sandbox-server.ts';
import { MemoryCache } from '../../shared/adapters/cache/memory-cache.ts';
import { loadConfig } from '../../shared/config/config.ts';
import type { HealthBand, RecommendationType, RiskLevel, Signal } from '../../shared/domain/analysis.ts';
import { type DomainRules, domainRulesOf } from '../../shared/domain/domain-rules.ts';
import type { CrmClient } from '../../shared/ports/crm-client.ts';
import type { Db } from '../../shared/ports/db.ts';
import { ruleRecommendationAuthor } from '../../shared/ports/recommendation-author.ts';
import { assembleContainer, type Container } from '../../shared/runtime/container.ts';
import { syncFull } from '../../shared/use-cases/sync-full.ts';
import {
  analyzeMemory,
  draftRecommendations,
  retrieveAccountData,
  syncMemory,
} from '../../shared/use-cases/workflow-steps.ts';
import { type RunningSandbox, startSandbox } from '../integration/zoho/sandbox-harness.ts';
import { freshPglite, type TestDatabase } from '../support/databases.ts';
import { FakeWorkflow } from '../support/fakes.ts';
import type { HistoryEntry, Scenario } from './scenario-format.ts';

/** What the pipeline concluded for the scenario's account, in the vocabulary of the labels. */
export interface Outcome {
  signals: { type: Signal['type']; severity: Signal['severity']; detail: string }[];
  riskLevel: RiskLevel;
  recommendations: { type: RecommendationType; priority: string; confidence: number }[];
  health: { score: number; band: HealthBand };
  priorityScore: number;
  needsReview: boolean;
  insufficientData: string[];
}

/** The container's ports for one tenant (its rules) at one instant; the same wiring as production. */
type StepDeps = Container & { rules: DomainRules };

export class ScenarioBench {
  readonly #database: TestDatabase;
  readonly #sandbox: RunningSandbox;
  readonly #container: Container;
  readonly #home: string;
  readonly #crm: CrmClient;
  #now = new Date(0);

  private constructor(database: TestDatabase, sandbox: RunningSandbox, home: string) {
    this.#database = database;
    this.#sandbox = sandbox;
    this.#home = home;
    this.#crm = sandbox.client().client;
    // The composition root picks every adapter (tiered MCP → REST CRM client, SQL repositories, knowledge
    // graph) as the app does; only the workflow engine is a stub, since the steps are called directly.
    this.#container = assembleContainer({
      config: loadConfig({ SERGAS_HOME: home }),
      db: database.db,
      cache: new MemoryCache(),
      zoho: {
        accountsUrl: sandbox.url,
        apiDomain: sandbox.url,
        mcpUrl: sandbox.mcpUrl,
        ...DEFAULT_SANDBOX_CREDENTIALS,
      },
      workflow: () => new FakeWorkflow(),
      clock: { now: () => this.#now },
    });
  }

  /** One migrated PGlite and one sandbox server, reused (and emptied) for every scenario. */
  static async open(): Promise<ScenarioBench> {
    const [database, sandbox, home] = await Promise.all([
      freshPglite(),
      startSandbox({
        users: [],
        Accounts: [],
        Contacts: [],
        Deals: [],
        Tasks: [],
        Calls: [],
        Events: [],
        Notes: [],
        Stage_History: [],
      }),
      mkdtemp(join(tmpdir(), 'sergas-eval-')),
    ]);
    return new ScenarioBench(database, sandbox, home);
  }

  async close(): Promise<void> {
    await this.#container.close();
    await this.#sandbox.close();
    await this.#database.drop();
    await rm(this.#home, { recursive: true, force: true });
  }

  async run(scenario: Scenario): Promise<Outcome> {
    await emptyDatabase(this.#database.db);
    // The tenant's rules, and the deterministic rules author: labels are about DOMAIN-RULES, not an LLM.
    const deps: StepDeps = {
      ...this.#container,
      rules: domainRulesOf(scenario.rules),
      author: ruleRecommendationAuthor,
    };

    const { baseline } = scenario;
    if (baseline && 'org' in baseline) {
      // The previous review, as a completed run leaves it: the fields it saw become the baseline.
      await this.#sync(deps, baseline.org, baseline.reviewedAt);
      const input = await startRun(deps, scenario.accountId, baseline.reviewedAt);
      await retrieveAccountData(deps, input);
      await syncMemory(deps, input);
    } else if (baseline) {
      await deps.baselines.save({
        accountId: scenario.accountId,
        reviewedAt: baseline.reviewedAt,
        runId: null,
        fields: baseline.fields,
      });
    }
    await this.#sync(deps, scenario.org, scenario.asOf);
    for (const entry of scenario.history) await recordHistory(deps, scenario.accountId, entry);

    const input = await startRun(deps, scenario.accountId, scenario.asOf);
    await retrieveAccountData(deps, input);
    await analyzeMemory(deps, input);
    await draftRecommendations(deps, input);

    const analysis = (await deps.runs.get(input.runId))?.analysis ?? {};
    const recommendations = await deps.recommendations.listByRun(input.runId);
    return {
      signals: (analysis.signals ?? []).map((s) => ({ type: s.type, severity: s.severity, detail: s.detail })),
      riskLevel: analysis.riskLevel ?? 'none',
      recommendations: recommendations.map((r) => ({ type: r.type, priority: r.priority, confidence: r.confidence })),
      health: { score: analysis.health?.score ?? Number.NaN, band: analysis.health?.band ?? 'critical' },
      priorityScore: analysis.priorityScore ?? Number.NaN,
      needsReview: analysis.needsReview ?? false,
      insufficientData: analysis.insufficientData ?? [],
    };
  }

  /** Serves `org` and full-syncs it into the copy, with "now" at `at`. */
  async #sync(deps: StepDeps, org: Scenario['org'], at: Date): Promise<void> {
    this.#now = at;
    await this.#sandbox.store.replace(org);
    // Paged REST rather than the container's tiered client: its Bulk Read exports poll each job for
    // seconds, and the transport does not change what is copied (same mappers, same SQL copy).
    const result = await syncFull({ ...deps, crm: this.#crm });
    if (result.issues.length > 0) {
      const [first] = result.issues;
      throw new Error(
        `the sync skipped ${result.issues.length} record(s), e.g. ${first?.module} ${first?.id} ${first?.field}: ${first?.message}`,
      );
    }
  }
}

async function startRun(deps: StepDeps, accountId: string, asOf: Date) {
  const runId = randomUUID();
  await deps.runs.create({ id: runId, accountId, asOf, requestedBy: 'eval' });
  return { runId, accountId, asOf: asOf.toISOString() };
}

/** An earlier run's recommendation in the state a person left it (pending, rejected, …). */
async function recordHistory(deps: StepDeps, accountId: string, entry: HistoryEntry): Promise<void> {
  const runId = randomUUID();
  await deps.runs.create({ id: runId, accountId, asOf: new Date(entry.created_at), requestedBy: 'eval' });
  const id = randomUUID();
  await deps.recommendations.saveForRun(runId, [
    {
      id,
      accountId,
      type: entry.type,
      priority: 'high',
      confidence: 0.7,
      action: `Earlier ${entry.type} recommendation`,
      rationale: 'Proposed by an earlier review.',
      evidence: [{ module: 'Accounts', id: accountId, field: 'id', value: accountId }],
      draft: null,
      requiresApproval: true,
      expiresAt: new Date(entry.expires_at),
      author: 'rules',
    },
  ]);
  const decidedAt = entry.decided_at ? new Date(entry.decided_at) : undefined;
  await deps.recommendations.setStatus(id, entry.status, decidedAt ? 'eval@example.com' : undefined, decidedAt);
}

/** Every table back to empty (the schema stays): each scenario starts from a fresh tenant. */
async function emptyDatabase(db: Db): Promise<void> {
  const tables = await db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migrations%'`,
  );
  if (tables.length === 0) return;
  await db.exec(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
}
