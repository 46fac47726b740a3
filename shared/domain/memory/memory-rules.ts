import { z } from 'zod';

/**
 * The Memory Analyst's defaults, validated like DomainRules (an admin overrides any subset). The negative
 * lexicon and the renewal window are DOMAIN-RULES' own (`negativeSentiment.keywords`, `renewalWindow.days`)
 * and are read from DomainRules, so each number lives in one place.
 */
const days = (value: number) => z.number().int().positive().default(value);
const words = (value: string[]) => z.array(z.string().min(1)).default(value);

export const MemoryRulesSchema = z.object({
  engagementCycle: z
    .object({
      /** Only this much history describes the account's current rhythm. */
      lookbackDays: days(365),
      /** Fewer gaps than this between activity days say nothing about a rhythm. */
      minGaps: z.number().int().positive().default(3),
      /** The current silence is `overdue` beyond typical × this, `lapsed` beyond typical × lapsedFactor. */
      overdueFactor: z.number().positive().default(1.5),
      lapsedFactor: z.number().positive().default(3),
      /** Gaps whose coefficient of variation is at most this are a regular (periodic) rhythm. */
      regularMaxVariation: z.number().nonnegative().default(0.5),
    })
    .prefault({}),
  commitments: z
    .object({
      lookbackDays: days(180),
      /** Words that mark a promise in a note, call, meeting or task text. */
      phrases: words([
        'will send',
        'will share',
        'will follow up',
        'will get back',
        'will provide',
        'will call',
        'will schedule',
        'will set up',
        'will prepare',
        "i'll",
        "we'll",
        'promised',
        'promise to',
        'committed to',
        'agreed to',
        'by monday',
        'by tuesday',
        'by wednesday',
        'by thursday',
        'by friday',
        'by tomorrow',
        'by end of',
        'by eod',
        'next week',
      ]),
      /** A promise without a recognisable deadline is due this many days after it was made. */
      defaultDueDays: days(14),
      /** A promise is broken only once its deadline is this many days behind with nothing done. */
      graceDays: z.number().int().nonnegative().default(3),
      /** Shorter words (and stop words) do not tie a promise to the activity that fulfilled it. */
      minTopicWordLength: z.number().int().positive().default(4),
    })
    .prefault({}),
  sentimentTrend: z
    .object({
      windowDays: days(30),
      windows: z.number().int().min(2).default(6),
      /** The slope (net sentiment per window) beyond which the trend is improving or declining. */
      trendSlope: z.number().positive().default(0.1),
      positiveKeywords: words([
        'happy',
        'pleased',
        'satisfied',
        'delighted',
        'impressed',
        'great',
        'excellent',
        'love',
        'thank',
        'appreciate',
        'success',
        'confirmed',
        'on track',
        'smooth',
        'excited',
        'recommend',
      ]),
    })
    .prefault({}),
  renewalRisk: z
    .object({
      /** A renewal this close is urgent on its own. */
      urgentDays: days(30),
      /** Risk points at which the renewal is medium / high risk. */
      mediumPoints: z.number().int().positive().default(1),
      highPoints: z.number().int().positive().default(3),
    })
    .prefault({}),
});

export type MemoryRules = z.output<typeof MemoryRulesSchema>;
export type MemoryRulesInput = z.input<typeof MemoryRulesSchema>;

export const defaultMemoryRules: MemoryRules = MemoryRulesSchema.parse({});

export function memoryRulesOf(overrides: MemoryRulesInput = {}): MemoryRules {
  return MemoryRulesSchema.parse(overrides);
}
