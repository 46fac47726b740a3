/**
 * The evaluation set's file format (test/fixtures/scenarios/README.md): one JSON file per scenario, an
 * org in the sandbox file format (CONTRACTS.md) plus the labels a person wrote from DOMAIN-RULES.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseSandboxOrg, type SandboxOrg } from '../../local/zoho-sandbox/sandbox-org.ts';
import { RECOMMENDATION_TYPES, SIGNAL_TYPES } from '../../shared/domain/analysis.ts';

export { RECOMMENDATION_TYPES, SIGNAL_TYPES };

import type { DomainRulesInput } from '../../shared/domain/domain-rules.ts';

export const SCENARIO_DIR = new URL('../fixtures/scenarios/', import.meta.url).pathname;

const instant = z.iso.datetime({ offset: true });
const severity = z.enum(['low', 'medium', 'high', 'critical', 'opportunity']);

const ExpectedSchema = z.strictObject({
  /** Every signal the account must raise, one entry per signal (two stalled deals are two entries); exact. */
  signals: z.array(z.strictObject({ type: z.enum(SIGNAL_TYPES), severity })),
  risk_level: z.enum(['none', 'low', 'medium', 'high', 'critical']),
  /** The types of the recommendations emitted (after dedupe, confidence and the top-3 cut); exact set. */
  recommendation_types: z.array(z.enum(RECOMMENDATION_TYPES)),
  health_band: z.enum(['healthy', 'moderate', 'at_risk', 'critical']).optional(),
  health_score: z.number().int().min(0).max(100).optional(),
  needs_review: z.boolean().optional(),
  /** Whether the analysis must say some data was insufficient (a deal without stage history). */
  insufficient_data: z.boolean().optional(),
});

/** A previous, completed review: an earlier version of the org, or the baseline fields it left behind. */
const BaselineSchema = z.union([
  z.strictObject({ reviewed_at: instant, org: z.unknown() }),
  z.strictObject({ reviewed_at: instant, fields: z.record(z.string(), z.union([z.string(), z.number(), z.null()])) }),
]);

/** A recommendation an earlier run left for this account, in the state a person left it. */
const HistoryEntrySchema = z.strictObject({
  type: z.enum(RECOMMENDATION_TYPES),
  status: z.enum(['pending', 'approved', 'rejected', 'executed', 'expired']),
  /** When the earlier run proposed it. */
  created_at: instant,
  /** When it was decided (approved, rejected); required for those. */
  decided_at: instant.optional(),
  expires_at: instant,
});

const ScenarioFileSchema = z.strictObject({
  $comment: z.string().optional(),
  name: z.string().min(1),
  description: z.string().min(1),
  /** The DOMAIN-RULES rule(s) the scenario is about, for grouping in reports. */
  rules_covered: z.array(z.string().min(1)).min(1),
  as_of: instant,
  account_id: z.string().min(1),
  /** The tenant's overrides of DOMAIN-RULES (same shape as the admin config), when the scenario needs any. */
  rules: z.record(z.string(), z.unknown()).optional(),
  org: z.unknown(),
  baseline: BaselineSchema.optional(),
  history: z.array(HistoryEntrySchema).optional(),
  expected: ExpectedSchema,
});

export type Expected = z.output<typeof ExpectedSchema>;
export type HistoryEntry = z.output<typeof HistoryEntrySchema>;

export interface Scenario {
  file: string;
  name: string;
  description: string;
  rulesCovered: string[];
  asOf: Date;
  accountId: string;
  rules: DomainRulesInput;
  org: SandboxOrg;
  baseline:
    | { reviewedAt: Date; org: SandboxOrg }
    | { reviewedAt: Date; fields: Record<string, string | number | null> }
    | null;
  history: HistoryEntry[];
  expected: Expected;
}

/** Parses one scenario file; a bad file names itself and the offending field. */
export function parseScenario(data: unknown, file: string): Scenario {
  const parsed = ScenarioFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.') || '(file)'}: ${issue?.message ?? 'invalid scenario'}`);
  }
  const s = parsed.data;
  const baseline = s.baseline
    ? 'org' in s.baseline
      ? {
          reviewedAt: new Date(s.baseline.reviewed_at),
          org: parseSandboxOrg(s.baseline.org, `${file} baseline.org`),
        }
      : { reviewedAt: new Date(s.baseline.reviewed_at), fields: s.baseline.fields }
    : null;
  for (const entry of s.history ?? []) {
    if ((entry.status === 'approved' || entry.status === 'rejected') && !entry.decided_at)
      throw new Error(`${file}: history: a ${entry.status} recommendation needs decided_at`);
  }
  return {
    file,
    name: s.name,
    description: s.description,
    rulesCovered: s.rules_covered,
    asOf: new Date(s.as_of),
    accountId: s.account_id,
    rules: (s.rules ?? {}) as DomainRulesInput,
    org: parseSandboxOrg(s.org, `${file} org`),
    baseline,
    history: s.history ?? [],
    expected: s.expected,
  };
}

/** Every `*.json` scenario in the directory, in file-name order; names must be unique. */
export async function loadScenarios(dir = SCENARIO_DIR): Promise<Scenario[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const scenarios = await Promise.all(
    files.map(async (file) => parseScenario(JSON.parse(await readFile(join(dir, file), 'utf8')), file)),
  );
  const seen = new Map<string, string>();
  for (const scenario of scenarios) {
    const other = seen.get(scenario.name);
    if (other) throw new Error(`${scenario.file}: name "${scenario.name}" is also used by ${other}`);
    seen.set(scenario.name, scenario.file);
  }
  return scenarios;
}
