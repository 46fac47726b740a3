import type { Draft, Recommendation, RecommendationType } from './analysis.ts';
import type { DomainRules } from './domain-rules.ts';

export type ApprovalPolicy = 'review' | 'auto' | 'forbid';

/** The tenant's policy for a recommendation type: `review` unless the rules say otherwise. */
export function policyOf(rules: DomainRules, type: RecommendationType): ApprovalPolicy {
  return rules.approval.policy[type] ?? 'review';
}

/**
 * What happens to a recommendation that passed compliance (DOMAIN-RULES "Approval"):
 * - `forbid`: skipped, nobody is asked;
 * - `auto`: approved without a person, but only for an internal task assigned to the account owner
 *   (a `create_task` whose task draft is for the owner); anything else still goes to a person;
 * - `review`: a person decides.
 */
export function approvalRouteOf(
  rules: DomainRules,
  recommendation: Pick<Recommendation, 'type' | 'draft'>,
  accountOwnerId: string | null,
): ApprovalPolicy {
  const policy = policyOf(rules, recommendation.type);
  if (policy !== 'auto') return policy;
  const draft = recommendation.draft;
  const internalForOwner =
    recommendation.type === 'create_task' &&
    draft?.kind === 'task' &&
    accountOwnerId !== null &&
    draft.ownerId === accountOwnerId;
  return internalForOwner ? 'auto' : 'review';
}

/** What an approver may change in a draft before approving it. */
export interface DraftEdits {
  subject?: string;
  body?: string;
  description?: string;
  /** YYYY-MM-DD */
  dueDate?: string;
  title?: string;
  content?: string;
  /** The new value of a field update. */
  value?: string | number | null;
}

export const EDIT_KEYS = ['subject', 'body', 'description', 'dueDate', 'title', 'content', 'value'] as const;

const EDITABLE: Record<Draft['kind'], readonly (keyof DraftEdits)[]> = {
  email: ['subject', 'body'],
  task: ['subject', 'description', 'dueDate'],
  note: ['title', 'content'],
  field_update: ['value'],
};

/** The fields an approver may edit in a draft of this kind. */
export const editableFieldsOf = (kind: Draft['kind']) => EDITABLE[kind];

/**
 * The draft with the approver's edits applied. Returns the problems instead when an edit does not fit
 * the draft (a body on a task, a bad due date); an edit equal to the draft is no edit.
 */
export function applyDraftEdits(draft: Draft | null, edits: DraftEdits): { draft: Draft } | { problems: string[] } {
  if (!draft) return { problems: ['edits: this recommendation has no draft to edit'] };
  const allowed = EDITABLE[draft.kind];
  const problems: string[] = [];
  for (const key of Object.keys(edits) as (keyof DraftEdits)[]) {
    if (edits[key] === undefined) continue;
    if (!allowed.includes(key)) problems.push(`edits.${key}: a ${draft.kind} draft takes only ${allowed.join(', ')}`);
  }
  const text = (key: 'subject' | 'body' | 'description' | 'title' | 'content') => {
    const value = edits[key];
    if (value !== undefined && value.trim().length === 0) problems.push(`edits.${key}: must not be empty`);
    return value;
  };
  if (edits.dueDate !== undefined && !isIsoDate(edits.dueDate))
    problems.push('edits.dueDate: must be a date (YYYY-MM-DD)');
  const subject = text('subject');
  const body = text('body');
  const description = text('description');
  const title = text('title');
  const content = text('content');
  if (problems.length > 0) return { problems };
  switch (draft.kind) {
    case 'email':
      return { draft: { ...draft, subject: subject ?? draft.subject, body: body ?? draft.body } };
    case 'task':
      return {
        draft: {
          ...draft,
          subject: subject ?? draft.subject,
          description: description ?? draft.description,
          dueDate: edits.dueDate ?? draft.dueDate,
        },
      };
    case 'note':
      return { draft: { ...draft, title: title ?? draft.title, content: content ?? draft.content } };
    case 'field_update':
      return { draft: { ...draft, after: edits.value === undefined ? draft.after : edits.value } };
  }
}

function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** True when the edits change nothing that is set. */
export const hasEdits = (edits: DraftEdits | undefined): edits is DraftEdits =>
  !!edits && EDIT_KEYS.some((key) => edits[key] !== undefined);

/**
 * How close to its expiry an approval counts as due, so the workflow's timers (which start a little
 * before the approval's own clock did) never add a whole extra wait for seconds of drift.
 */
export const EXPIRY_GRACE_MS = 3600_000;

/**
 * A deferred approval is held — neither escalated nor expired — while its deferral runs, and after
 * that until its (moved) expiry; one nobody deferred follows the plain 72 h → 24 h timeline.
 */
export function isHeldByDeferral(
  approval: { deferredUntil?: Date | null; expiresAt: Date },
  now: Date,
): { held: boolean; deferring: boolean } {
  const deferredUntil = approval.deferredUntil ?? null;
  if (!deferredUntil) return { held: false, deferring: false };
  const deferring = deferredUntil > now;
  return { held: deferring || approval.expiresAt.getTime() > now.getTime() + EXPIRY_GRACE_MS, deferring };
}
