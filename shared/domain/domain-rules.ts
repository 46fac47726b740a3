import { z } from 'zod';
import { RECOMMENDATION_TYPES } from './analysis.ts';
import { MemoryRulesSchema } from './memory/memory-rules.ts';

/**
 * Every number of DOMAIN-RULES.md in one validated, per-tenant config. Rules read thresholds only from
 * here; an admin overrides any subset and the rest keeps its default.
 */
const days = (value: number) => z.number().int().nonnegative().default(value);
const points = (value: number) => z.number().nonnegative().default(value);
const share = (value: number) => z.number().min(0).max(1).default(value);
const words = (value: string[]) => z.array(z.string().min(1)).default(value);

const bySeverity = (v: { critical: number; high: number; medium: number; low: number }) =>
  z
    .object({ critical: points(v.critical), high: points(v.high), medium: points(v.medium), low: points(v.low) })
    .prefault({});

/** Value bands are checked top-down: the first `above` the value is smaller than wins. */
const steps = (value: { above: number; points: number }[]) =>
  z
    .array(z.object({ above: z.number().nonnegative(), points: z.number().nonnegative() }))
    .default(value)
    .transform((list) => [...list].sort((a, b) => b.above - a.above));

export const AccountStatusKindSchema = z.enum(['active', 'at_risk', 'inactive']);
export type AccountStatusKind = z.infer<typeof AccountStatusKindSchema> | 'unknown';

export const DomainRulesSchema = z
  .object({
    /** "Days are whole days in the tenant's time zone." */
    timeZone: z
      .string()
      .default('UTC')
      .refine((tz) => isTimeZone(tz), { message: 'not an IANA time zone' }),

    dealStages: z
      .object({
        open: words([
          'Qualification',
          'Needs Analysis',
          'Value Proposition',
          'Identify Decision Makers',
          'Perception Analysis',
          'Proposal/Price Quote',
          'Negotiation/Review',
        ]),
        won: words(['Closed Won']),
        lost: words(['Closed Lost', 'Closed-Lost to Competition']),
      })
      .prefault({}),

    /** Zoho's Rating picklist (or a custom status) → what it means; anything else is "unknown". */
    accountStatus: z.record(z.string(), AccountStatusKindSchema).default({
      Active: 'active',
      Acquired: 'active',
      'At Risk': 'at_risk',
      'Market Failed': 'at_risk',
      'Project Cancelled': 'at_risk',
      'Shut Down': 'inactive',
    }),

    inactivity: z.object({ highDays: days(30), criticalDays: days(60) }).prefault({}),
    noRecordedActivity: z.object({ minAccountAgeDays: days(30) }).prefault({}),
    stalledDeal: z.object({ highDays: days(30), criticalDays: days(45) }).prefault({}),
    overdueTasks: z.object({ highCount: z.number().int().positive().default(3) }).prefault({}),
    engagementDrop: z
      .object({ windowDays: days(30), dropBelowShare: share(0.5), minEarlierActivities: days(3) })
      .prefault({}),
    renewalWindow: z.object({ days: days(90) }).prefault({}),
    negativeSentiment: z
      .object({
        windowDays: days(30),
        mediumCount: z.number().int().positive().default(3),
        highCount: z.number().int().positive().default(5),
        keywords: words([
          'issue',
          'problem',
          'concern',
          'delay',
          'frustrated',
          'unhappy',
          'disappointed',
          'escalation',
          'complaint',
          'cancel',
        ]),
      })
      .prefault({}),
    competitorMention: z
      .object({
        windowDays: days(60),
        /** The tenant's competitors by name; the phrases catch "evaluating alternatives" without names. */
        competitors: words([]),
        phrases: words([
          'competitor',
          'evaluating alternatives',
          'looking at alternatives',
          'alternative vendor',
          'other vendors',
          'switching to',
        ]),
      })
      .prefault({}),
    upsell: z
      .object({
        minHealth: points(70),
        minAnnualRevenue: points(50_000),
        windowDays: days(90),
        phrases: words([
          'expand',
          'expansion',
          'upgrade',
          'additional licenses',
          'more seats',
          'more users',
          'roll out',
        ]),
      })
      .prefault({}),

    health: z
      .object({
        severityPoints: bySeverity({ critical: 35, high: 20, medium: 10, low: 5 }),
        highValueActivity: z
          .object({
            bonus: points(5),
            windowDays: days(30),
            keywords: words(['demo', 'executive', 'exec meeting', 'qbr', 'business review', 'contract review']),
          })
          .prefault({}),
        recentWin: z.object({ bonus: points(5), windowDays: days(90) }).prefault({}),
        bands: z.object({ healthy: points(80), moderate: points(60), atRisk: points(40) }).prefault({}),
      })
      .prefault({}),

    priority: z
      .object({
        riskPoints: bySeverity({ critical: 40, high: 30, medium: 20, low: 10 }),
        perChangedField: points(5),
        changedFieldsCap: points(30),
        pipelineValue: steps([
          { above: 100_000, points: 20 },
          { above: 50_000, points: 15 },
          { above: 10_000, points: 10 },
        ]),
        recentActivityWindowDays: days(30),
        recentActivities: steps([
          { above: 5, points: 10 },
          { above: 2, points: 5 },
        ]),
        cap: points(100),
      })
      .prefault({}),

    needsReview: z.object({ priorityAbove: points(60) }).prefault({}),

    recommendations: z
      .object({
        maxPerAccount: z.number().int().positive().default(3),
        minConfidence: share(0.5),
        dedupeDaysAfterRejection: days(14),
        expiryHours: bySeverity({ critical: 24, high: 72, medium: 168, low: 336 }),
        /** DOMAIN-RULES: "health < 50 → risk_mitigation". */
        riskMitigationBelowHealth: points(50),
        /** A passed closing date is proposed to move this far out. */
        closingDateShiftDays: days(30),
        urgency: z
          .object({
            weights: z.object({ priority: share(0.4), confidence: share(0.3), time: share(0.3) }).prefault({}),
            priorityPoints: bySeverity({ critical: 100, high: 75, medium: 50, low: 25 }),
            timePoints: z
              .array(z.object({ withinDays: z.number().positive(), points: z.number().nonnegative() }))
              .default([
                { withinDays: 1, points: 100 },
                { withinDays: 3, points: 75 },
                { withinDays: 7, points: 50 },
              ])
              .transform((list) => [...list].sort((a, b) => a.withinDays - b.withinDays)),
            laterPoints: points(25),
            typeWeights: z
              .object({
                follow_up_email: points(1),
                schedule_meeting: points(1),
                create_task: points(1),
                escalation: points(1.2),
                update_account: points(1),
                renewal_reminder: points(1.1),
                upsell_opportunity: points(0.95),
                risk_mitigation: points(1.15),
                re_engagement: points(0.9),
                executive_alignment: points(1),
              })
              .prefault({}),
          })
          .prefault({}),
        confidence: z
          .object({
            weights: z
              .object({ recency: share(0.25), pattern: share(0.25), evidence: share(0.3), acceptance: share(0.2) })
              .prefault({})
              .refine((w) => Math.abs(w.recency + w.pattern + w.evidence + w.acceptance - 1) < 1e-9, {
                message: 'confidence weights must add up to 1',
              }),
            recencyHalfLifeDays: z.number().positive().default(14),
            /** How strongly a signal of each severity argues for its recommendation. */
            patternStrength: z
              .object({
                critical: share(1),
                high: share(0.75),
                medium: share(0.5),
                low: share(0.25),
                opportunity: share(0.5),
                perCorroboratingSignal: share(0.1),
              })
              .prefault({}),
            /** Evidence quality = half distinct sources (modules), half records touched recently. */
            evidence: z
              .object({ sourcesForFullScore: z.number().int().positive().default(2), freshDays: days(90) })
              .prefault({}),
            acceptance: z
              .object({
                wilsonZ: z.number().positive().default(1.645),
                /** Below this many outcomes a rate says little: the prior is used instead. */
                minOutcomes: z.number().int().nonnegative().default(5),
                prior: share(0.5),
              })
              .prefault({}),
            bands: z.object({ high: share(0.8), medium: share(0.6) }).prefault({}),
          })
          .prefault({}),
      })
      .prefault({}),

    compliance: z
      .object({
        /** Zoho field lengths: longer text is truncated (non-blocking) before it is written. */
        maxLength: z
          .object({
            taskSubject: z.number().int().positive().default(255),
            taskDescription: z.number().int().positive().default(32_000),
            noteTitle: z.number().int().positive().default(255),
            noteContent: z.number().int().positive().default(32_000),
            emailSubject: z.number().int().positive().default(255),
          })
          .prefault({}),
      })
      .prefault({}),

    /**
     * DOMAIN-RULES "Approval": per recommendation type, `review` (the default for every CRM write), `auto`
     * (only `create_task`, for a task assigned to the account owner; off by default) or `forbid`.
     */
    approval: z
      .object({
        policy: z.partialRecord(z.enum(RECOMMENDATION_TYPES), z.enum(['review', 'auto', 'forbid'])).default({}),
      })
      .prefault({}),

    /** The Memory Analyst's thresholds and word lists (engagement rhythm, commitments, sentiment, renewal). */
    memory: MemoryRulesSchema.prefault({}),
  })
  .superRefine((rules, ctx) => {
    const ordered = (path: string[], low: number, high: number) => {
      if (low > high) ctx.addIssue({ code: 'custom', path, message: `must be ≥ ${low}` });
    };
    ordered(['inactivity', 'criticalDays'], rules.inactivity.highDays, rules.inactivity.criticalDays);
    ordered(['stalledDeal', 'criticalDays'], rules.stalledDeal.highDays, rules.stalledDeal.criticalDays);
    ordered(['negativeSentiment', 'highCount'], rules.negativeSentiment.mediumCount, rules.negativeSentiment.highCount);
    const { bands } = rules.health;
    ordered(['health', 'bands', 'moderate'], bands.atRisk, bands.moderate);
    ordered(['health', 'bands', 'healthy'], bands.moderate, bands.healthy);
    const conf = rules.recommendations.confidence.bands;
    ordered(['recommendations', 'confidence', 'bands', 'high'], conf.medium, conf.high);
    for (const [type, policy] of Object.entries(rules.approval.policy)) {
      if (policy === 'auto' && type !== 'create_task')
        ctx.addIssue({
          code: 'custom',
          path: ['approval', 'policy', type],
          message: 'auto is allowed only for create_task (an internal task for the account owner)',
        });
    }
  });

export type DomainRules = z.output<typeof DomainRulesSchema>;
/** What an admin writes: any subset of the rules. */
export type DomainRulesInput = z.input<typeof DomainRulesSchema>;

export const defaultDomainRules: DomainRules = DomainRulesSchema.parse({});

/** A tenant's rules: its overrides on top of the defaults, validated as a whole. */
export function domainRulesOf(overrides: DomainRulesInput = {}): DomainRules {
  return DomainRulesSchema.parse(overrides);
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
