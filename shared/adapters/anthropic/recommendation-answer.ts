import { z } from 'zod';
import {
  type Draft,
  type Priority,
  RECOMMENDATION_TYPES,
  type Recommendation,
  type RecommendationType,
} from '../../domain/analysis.ts';
import { addHours, localDateOf } from '../../domain/calendar.ts';
import { urgencyOf } from '../../domain/recommendations/urgency.ts';
import type { RecommendationContext } from '../../ports/recommendation-author.ts';
import type { RedactedContext } from './redacted-context.ts';

const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Priority[];

/** What the model may write: short enough for a person to read and for Zoho's fields to take. */
export const ANSWER_LIMITS = {
  action: 200,
  rationale: 1000,
  emailSubject: 255,
  emailBody: 5000,
  taskSubject: 255,
  taskDescription: 4000,
  noteTitle: 255,
  noteContent: 4000,
  evidence: 10,
} as const;

const oneLine = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\r\n]*$/, 'must be a single line');
const text = (max: number) => z.string().min(1).max(max);

const EmailWording = z.strictObject({
  kind: z.literal('email'),
  subject: oneLine(ANSWER_LIMITS.emailSubject),
  body: text(ANSWER_LIMITS.emailBody).describe('Greeting, body and sign-off; people only as placeholders'),
});
const TaskWording = z.strictObject({
  kind: z.literal('task'),
  subject: oneLine(ANSWER_LIMITS.taskSubject),
  description: text(ANSWER_LIMITS.taskDescription),
});
const NoteWording = z.strictObject({
  kind: z.literal('note'),
  title: oneLine(ANSWER_LIMITS.noteTitle),
  content: text(ANSWER_LIMITS.noteContent),
});

export const RecommendationAnswer = z.strictObject({
  candidate: z
    .string()
    .regex(/^C\d+$/, 'must be a candidate id such as C1')
    .describe('The id of the candidate this recommendation is written from'),
  type: z.enum(RECOMMENDATION_TYPES).describe("The candidate's type"),
  priority: z.enum(PRIORITIES),
  confidence: z.number().min(0).max(1),
  action: oneLine(ANSWER_LIMITS.action).describe('One imperative line'),
  rationale: text(ANSWER_LIMITS.rationale).describe('Why, in plain words, grounded in the cited evidence'),
  evidence: z
    .array(z.string().regex(/^E\d+$/, 'must be an evidence id such as E1'))
    .min(1)
    .max(ANSWER_LIMITS.evidence)
    .describe('Ids from the context evidence list that support this recommendation'),
  draft: z
    .discriminatedUnion('kind', [EmailWording, TaskWording, NoteWording])
    .nullable()
    .optional()
    .describe("New wording for the candidate's draft, of the same kind; null keeps the candidate's draft"),
});

export const SubmissionAnswer = z.strictObject({
  recommendations: z.array(RecommendationAnswer).max(3),
});
export type SubmissionAnswer = z.output<typeof SubmissionAnswer>;

/** The tool's input schema, derived from the zod schema that also validates the answer. */
export function submissionJsonSchema(): { type: 'object'; [key: string]: unknown } {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(SubmissionAnswer, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, type: 'object' };
}

export type AnswerVerdict = { ok: true; recommendations: Recommendation[] } | { ok: false; problems: string[] };

/**
 * Turns the model's tool input into recommendations, or lists why it cannot. The model chooses and
 * words; ids, the recipient, owners, field changes, expiry and approval come from the candidate and
 * DOMAIN-RULES. Nothing the model wrote is trusted: every evidence id must exist in the context,
 * every candidate and type must be one offered, every placeholder must resolve.
 */
export function recommendationsFromAnswer(
  input: unknown,
  redacted: RedactedContext,
  context: RecommendationContext,
): AnswerVerdict {
  const parsed = SubmissionAnswer.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(answer)'}: ${issue.message}`),
    };
  }
  const { rules, asOf } = context;
  const r = rules.recommendations;
  const answers = parsed.data.recommendations;
  const problems: string[] = [];
  if (answers.length > r.maxPerAccount) problems.push(`recommendations: more than ${r.maxPerAccount}`);

  const seenCandidates = new Set<string>();
  const seenTypes = new Set<RecommendationType>();
  const written: Recommendation[] = [];
  for (const [i, answer] of answers.entries()) {
    const at = `recommendations.${i}`;
    const candidate = redacted.candidates.get(answer.candidate);
    if (!candidate) {
      problems.push(`${at}.candidate: unknown candidate ${answer.candidate}`);
      continue;
    }
    if (seenCandidates.has(answer.candidate)) problems.push(`${at}.candidate: ${answer.candidate} used twice`);
    seenCandidates.add(answer.candidate);
    if (answer.type !== candidate.type) {
      problems.push(`${at}.type: ${answer.type} is not the type of ${answer.candidate} (${candidate.type})`);
    }
    if (seenTypes.has(answer.type)) problems.push(`${at}.type: a second ${answer.type}`);
    seenTypes.add(answer.type);
    const evidence = answer.evidence.map((ref, j) => {
      const item = redacted.evidence.get(ref);
      if (!item) problems.push(`${at}.evidence.${j}: unknown evidence id ${ref}`);
      return item;
    });

    const expiresAt = addHours(asOf, r.expiryHours[answer.priority]);
    const draft = draftOf(answer.draft ?? null, candidate.draft, localDateOf(expiresAt, rules.timeZone), redacted);
    if (typeof draft === 'string') {
      problems.push(`${at}.draft: ${draft}`);
      continue;
    }
    const action = redacted.pseudonyms.restore(answer.action);
    const rationale = redacted.pseudonyms.restore(answer.rationale);
    for (const [field, value, max] of [
      ['action', action, ANSWER_LIMITS.action],
      ['rationale', rationale, ANSWER_LIMITS.rationale],
    ] as const) {
      const left = redacted.pseudonyms.unresolved(value);
      if (left.length > 0) problems.push(`${at}.${field}: unresolvable placeholder ${left.join(', ')}`);
      if (value.length > max) problems.push(`${at}.${field}: longer than ${max} characters with names filled in`);
    }
    const confidence = Math.round(answer.confidence * 100) / 100;
    // DOMAIN-RULES: below the minimum confidence a recommendation is not emitted.
    if (confidence < r.minConfidence) continue;
    written.push({
      id: candidate.id,
      accountId: candidate.accountId,
      type: candidate.type,
      priority: answer.priority,
      confidence,
      action,
      rationale,
      evidence: evidence.filter((e) => e !== undefined),
      draft,
      requiresApproval: candidate.requiresApproval,
      expiresAt,
      author: 'llm',
    });
  }
  if (problems.length === 0 && written.length === 0 && redacted.candidates.size > 0) {
    problems.push(`recommendations: none at confidence ≥ ${r.minConfidence} out of ${redacted.candidates.size}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const urgency = (rec: Recommendation) => urgencyOf(rec, asOf, rules);
  return { ok: true, recommendations: written.sort((a, b) => urgency(b) - urgency(a)) };
}

type Wording = NonNullable<z.output<typeof RecommendationAnswer>['draft']>;

/** The candidate's draft with the model's wording, or a problem. */
function draftOf(
  wording: Wording | null,
  proposed: Draft | null,
  dueDate: string,
  redacted: RedactedContext,
): Draft | null | string {
  if (proposed === null) return wording === null ? null : 'the candidate has no draft';
  if (proposed.kind === 'field_update') return proposed;
  const withDueDate = proposed.kind === 'task' ? { ...proposed, dueDate } : proposed;
  if (wording === null) return withDueDate;
  if (wording.kind !== proposed.kind) return `a ${wording.kind} draft for a candidate with a ${proposed.kind} draft`;
  const fill = (value: string, max: number): string | { problem: string } => {
    const restored = redacted.pseudonyms.restore(value);
    const left = redacted.pseudonyms.unresolved(restored);
    if (left.length > 0) return { problem: `unresolvable placeholder ${left.join(', ')}` };
    if (restored.length > max) return { problem: `longer than ${max} characters with names filled in` };
    return restored;
  };
  const parts: Record<string, string | { problem: string }> =
    wording.kind === 'email'
      ? {
          subject: fill(wording.subject, ANSWER_LIMITS.emailSubject),
          body: fill(wording.body, ANSWER_LIMITS.emailBody),
        }
      : wording.kind === 'task'
        ? {
            subject: fill(wording.subject, ANSWER_LIMITS.taskSubject),
            description: fill(wording.description, ANSWER_LIMITS.taskDescription),
          }
        : {
            title: fill(wording.title, ANSWER_LIMITS.noteTitle),
            content: fill(wording.content, ANSWER_LIMITS.noteContent),
          };
  for (const [field, value] of Object.entries(parts)) {
    if (typeof value !== 'string') return `${field}: ${value.problem}`;
  }
  return { ...withDueDate, ...(parts as Record<string, string>) } as Draft;
}
