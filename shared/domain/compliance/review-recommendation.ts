import type { ComplianceReport, Draft, PiiFinding, PiiType, PolicyViolation, Recommendation } from '../analysis.ts';
import type { DomainRules } from '../domain-rules.ts';
import { scanPii } from './pii-detectors.ts';
import { INTERNAL_ONLY_RULE, PROMISE_RULES } from './policy-rules.ts';

export interface ReviewContext {
  /** The account's own contacts' e-mails: the only ones a draft may carry. */
  allowedEmails: readonly string[];
  allowedPhones: readonly string[];
  /** Names of the tenant's other accounts, which must not leak into this account's drafts. */
  otherAccountNames?: readonly string[];
}

interface Text {
  location: string;
  text: string;
  /** Sent to the customer (an e-mail), rather than written into the CRM for the team. */
  customerFacing: boolean;
  inDraft: boolean;
  maxLength?: number;
}

const SENSITIVE: ReadonlySet<PiiType> = new Set(['payment_card', 'ssn', 'iban', 'secret']);

function textsOf(rec: Pick<Recommendation, 'action' | 'rationale' | 'draft'>, rules: DomainRules): Text[] {
  const limits = rules.compliance.maxLength;
  const texts: Text[] = [
    { location: 'action', text: rec.action, customerFacing: false, inDraft: false },
    { location: 'rationale', text: rec.rationale, customerFacing: false, inDraft: false },
  ];
  const draft: Draft | null = rec.draft;
  const inDraft = (location: string, text: string, customerFacing: boolean, maxLength?: number): Text =>
    maxLength === undefined
      ? { location, text, customerFacing, inDraft: true }
      : { location, text, customerFacing, inDraft: true, maxLength };
  switch (draft?.kind) {
    case 'email':
      texts.push(
        inDraft('draft.to', draft.to ?? '', true),
        inDraft('draft.subject', draft.subject, true, limits.emailSubject),
        inDraft('draft.body', draft.body, true),
      );
      break;
    case 'task':
      texts.push(
        inDraft('draft.subject', draft.subject, false, limits.taskSubject),
        inDraft('draft.description', draft.description, false, limits.taskDescription),
      );
      break;
    case 'note':
      texts.push(
        inDraft('draft.title', draft.title, false, limits.noteTitle),
        inDraft('draft.content', draft.content, false, limits.noteContent),
      );
      break;
    case 'field_update':
      texts.push(
        inDraft('draft.before', String(draft.before ?? ''), false),
        inDraft('draft.after', String(draft.after ?? ''), false),
      );
      break;
  }
  return texts;
}

const phoneDigits = (phone: string) => phone.replace(/\D/g, '');

/** The same number written nationally and in E.164 ("020 7946 0958" vs "+44 20 7946 0958"). */
function samePhone(a: string, b: string): boolean {
  const x = phoneDigits(a).replace(/^0+/, '');
  const y = phoneDigits(b).replace(/^0+/, '');
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.length >= 7 && long.endsWith(short);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * DOMAIN-RULES compliance review of one recommendation: PII other than the account's own contact
 * data, promises, other accounts' data, internal notes, Zoho field lengths. Blocking violations make
 * `approved` false: the draft is never executed. Risk is high with any blocking violation or sensitive
 * PII, medium with any other violation or finding, low otherwise.
 */
export function reviewRecommendation(
  rec: Pick<Recommendation, 'action' | 'rationale' | 'draft'>,
  context: ReviewContext,
  rules: DomainRules,
): ComplianceReport {
  const allowedEmails = new Set(context.allowedEmails.map((e) => e.trim().toLowerCase()));
  const piiDetected: PiiFinding[] = [];
  const violations: PolicyViolation[] = [];
  let sensitiveFound = false;

  for (const t of textsOf(rec, rules)) {
    for (const match of scanPii(t.text)) {
      const sensitive = SENSITIVE.has(match.type);
      // Outside drafts only sensitive data matters: names and e-mails in a rationale are the point of it.
      if (!t.inDraft && !sensitive) continue;
      if (match.type === 'email' && allowedEmails.has(match.text.toLowerCase())) continue;
      if (match.type === 'phone' && context.allowedPhones.some((p) => samePhone(p, match.text))) continue;
      piiDetected.push({ type: match.type, location: t.location, preview: match.preview });
      if (sensitive) {
        sensitiveFound = true;
        violations.push({
          rule: 'no_sensitive_data',
          location: t.location,
          message: `contains a ${match.type.replace('_', ' ')} (${match.preview})`,
          // In a draft it would be written or sent; elsewhere it is masked before it is stored.
          blocking: t.inDraft,
        });
      } else {
        violations.push({
          rule: 'own_contact_data_only',
          location: t.location,
          message: `contains ${match.type === 'email' ? 'an e-mail address' : 'a phone number'} (${match.preview}) that is not this account's contact`,
          // A CRM write is masked on the way out; an e-mail to the customer cannot be.
          blocking: t.customerFacing,
        });
      }
    }

    if (!t.inDraft) continue;
    if (t.customerFacing) {
      for (const rule of [...PROMISE_RULES, INTERNAL_ONLY_RULE]) {
        const found = rule.pattern.exec(t.text);
        if (found)
          violations.push({
            rule: rule.rule,
            location: t.location,
            message: `${rule.message}: "${found[0]}"`,
            blocking: true,
          });
      }
    }
    for (const name of context.otherAccountNames ?? []) {
      if (name.trim().length === 0) continue;
      if (new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(name.trim())}(?![\\p{L}\\p{N}])`, 'iu').test(t.text)) {
        violations.push({
          rule: 'no_other_account_data',
          location: t.location,
          message: `mentions another account: "${name}"`,
          blocking: true,
        });
      }
    }
    if (t.maxLength !== undefined && t.text.length > t.maxLength) {
      violations.push({
        rule: 'zoho_field_length',
        location: t.location,
        message: `is ${t.text.length} characters; Zoho takes ${t.maxLength}, the rest will be cut`,
        blocking: false,
      });
    }
  }

  const blocking = violations.some((v) => v.blocking);
  const riskLevel =
    blocking || sensitiveFound ? 'high' : violations.length > 0 || piiDetected.length > 0 ? 'medium' : 'low';
  return { approved: !blocking, riskLevel, piiDetected, policyViolations: violations };
}

const ELLIPSIS = '…';

function truncated(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}`;
}

/** The fix for the non-blocking `zoho_field_length` violation: cut each field to what Zoho accepts. */
export function fitDraftToZohoLimits(draft: Draft, rules: DomainRules): Draft {
  const limits = rules.compliance.maxLength;
  switch (draft.kind) {
    case 'email':
      return { ...draft, subject: truncated(draft.subject, limits.emailSubject) };
    case 'task':
      return {
        ...draft,
        subject: truncated(draft.subject, limits.taskSubject),
        description: truncated(draft.description, limits.taskDescription),
      };
    case 'note':
      return {
        ...draft,
        title: truncated(draft.title, limits.noteTitle),
        content: truncated(draft.content, limits.noteContent),
      };
    case 'field_update':
      return draft;
  }
}
