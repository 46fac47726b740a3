import { primaryContactOf } from '../../domain/account-facts.ts';
import type { Draft, Evidence, Recommendation } from '../../domain/analysis.ts';
import { maskPii, PII_PLACEHOLDERS } from '../../domain/compliance/mask-pii.ts';
import type { RecommendationContext } from '../../ports/recommendation-author.ts';

/**
 * What the model sees of an account: its facts with people replaced by typed placeholders
 * (`[CONTACT_1]`, `[OWNER]` …) and every other PII masked (`[EMAIL]`, `[PHONE]` …), each fact citeable
 * by a short evidence id (`E1`), and the rule engine's candidates by a candidate id (`C1`). Record ids
 * are not personal data and stay, so the model can tell records apart. The placeholders it writes back
 * are restored to the real names afterwards.
 */
export interface RedactedContext {
  /** The user turn: the context as JSON. */
  text: string;
  evidence: ReadonlyMap<string, Evidence>;
  candidates: ReadonlyMap<string, Recommendation>;
  pseudonyms: Pseudonyms;
}

export class RedactionError extends Error {}

interface Pseudonym {
  placeholder: string;
  value: string;
  /** First names are matched as written, so a contact called Will does not swallow "will". */
  caseSensitive: boolean;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wordPattern = (value: string, flags: string) =>
  new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(value)}(?![\\p{L}\\p{N}])`, `${flags}u`);
const ANY_PLACEHOLDER = /\[[A-Z][A-Z0-9_]*\]/g;
const MASKS = new Set(Object.values(PII_PLACEHOLDERS));

/** A reversible mapping between the account's people (and their contact data) and placeholders. */
export class Pseudonyms {
  readonly #entries: (Pseudonym & { pattern: RegExp })[];
  readonly #byPlaceholder: Map<string, string>;

  constructor(entries: readonly Pseudonym[]) {
    const usable = entries.filter((e) => e.value.trim().length >= 2);
    // Longest first: "Jane Cooper" is replaced before "Jane".
    this.#entries = [...usable]
      .sort((a, b) => b.value.length - a.value.length)
      .map((e) => ({ ...e, pattern: wordPattern(e.value.trim(), e.caseSensitive ? 'g' : 'gi') }));
    this.#byPlaceholder = new Map(usable.map((e) => [e.placeholder, e.value.trim()]));
  }

  /** People become their placeholders, then any PII left becomes a typed mask. */
  redact(text: string): string {
    let redacted = text;
    for (const entry of this.#entries) redacted = redacted.replace(entry.pattern, entry.placeholder);
    return maskPii(redacted);
  }

  /** Placeholders back to the real values; unknown ones and masks are left for `unresolved` to find. */
  restore(text: string): string {
    return text.replace(ANY_PLACEHOLDER, (placeholder) => this.#byPlaceholder.get(placeholder) ?? placeholder);
  }

  /** Placeholders or masks that cannot be turned back into text a customer should read. */
  unresolved(text: string): string[] {
    return [...text.matchAll(ANY_PLACEHOLDER)]
      .map((m) => m[0])
      .filter((p) => MASKS.has(p) || !this.#byPlaceholder.has(p));
  }

  /** The placeholders a text may use, for the model's reference. */
  get placeholders(): string[] {
    return [...this.#byPlaceholder.keys()];
  }

  /** Which protected values still occur in a text (placeholder names only, never the values). */
  leaks(text: string): string[] {
    return this.#entries
      .filter((e) => new RegExp(e.pattern.source, e.pattern.flags).test(text))
      .map((e) => e.placeholder);
  }
}

const HONORIFIC = /^(?:dr|mr|mrs|ms|mx|miss|prof|sir|dame)\.?$/i;

/**
 * A person's full name, and each of their names on its own (a greeting, or an excerpt cut mid-name,
 * carries only one of them). Honorifics are not names.
 */
function personEntries(ref: string, fullName: string): Pseudonym[] {
  const entries: Pseudonym[] = [{ placeholder: `[${ref}]`, value: fullName, caseSensitive: false }];
  const names = fullName
    .trim()
    .split(/\s+/)
    .filter((part) => !HONORIFIC.test(part));
  if (names.length === 1 && names[0] !== fullName.trim()) {
    entries.push({ placeholder: `[${ref}_FIRST_NAME]`, value: names[0]!, caseSensitive: true });
  }
  if (names.length > 1) {
    entries.push({ placeholder: `[${ref}_FIRST_NAME]`, value: names[0]!, caseSensitive: true });
    entries.push({ placeholder: `[${ref}_LAST_NAME]`, value: names.at(-1)!, caseSensitive: true });
    names.slice(1, -1).forEach((middle, i) => {
      entries.push({ placeholder: `[${ref}_MIDDLE_NAME_${i + 1}]`, value: middle, caseSensitive: true });
    });
  }
  return entries;
}

function pseudonymsOf(context: RecommendationContext): Pseudonyms {
  const { snapshot } = context;
  const entries: Pseudonym[] = [];
  const contacts = contactsInOrder(context);
  contacts.forEach((contact, i) => {
    const ref = `CONTACT_${i + 1}`;
    entries.push(...personEntries(ref, contact.fullName));
    if (contact.email) entries.push({ placeholder: `[${ref}_EMAIL]`, value: contact.email, caseSensitive: false });
    if (contact.phone) entries.push({ placeholder: `[${ref}_PHONE]`, value: contact.phone, caseSensitive: false });
  });
  entries.push(...personEntries('OWNER', snapshot.account.ownerName));
  if (snapshot.owner) {
    if (snapshot.owner.name !== snapshot.account.ownerName && snapshot.owner.id === snapshot.account.ownerId) {
      entries.push(...personEntries('OWNER_PROFILE', snapshot.owner.name));
    }
    if (snapshot.owner.email) {
      entries.push({ placeholder: '[OWNER_EMAIL]', value: snapshot.owner.email, caseSensitive: false });
    }
  }
  const previousOwner = snapshot.baseline?.fields.Owner_Name;
  if (typeof previousOwner === 'string' && previousOwner !== snapshot.account.ownerName) {
    entries.push(...personEntries('PREVIOUS_OWNER', previousOwner));
  }
  return new Pseudonyms(entries);
}

/** The primary contact (the one drafts are addressed to) is always CONTACT_1. */
function contactsInOrder(context: RecommendationContext) {
  const primary = primaryContactOf(context.snapshot);
  return [...context.snapshot.contacts].sort(
    (a, b) => Number(b.id === primary?.id) - Number(a.id === primary?.id) || a.id.localeCompare(b.id),
  );
}

const evidenceKey = (e: Evidence) => `${e.module}|${e.id}|${e.field}|${String(e.value)}`;
const iso = (date: Date | null) => date?.toISOString() ?? null;
const MAX_DEALS = 10;

/**
 * The user turn for one account. Throws RedactionError when a protected value would still reach the
 * model, in which case nothing is sent.
 */
export function redactedContextOf(
  context: RecommendationContext,
  candidates: readonly Recommendation[],
): RedactedContext {
  const { snapshot, signals, health, asOf, rules } = context;
  const pseudonyms = pseudonymsOf(context);
  const r = (text: string) => pseudonyms.redact(text);

  const evidence = new Map<string, Evidence>();
  const idOf = new Map<string, string>();
  const cite = (items: readonly Evidence[]) =>
    items.map((item) => {
      const key = evidenceKey(item);
      let id = idOf.get(key);
      if (!id) {
        id = `E${evidence.size + 1}`;
        evidence.set(id, item);
        idOf.set(key, id);
      }
      return id;
    });

  const candidateMap = new Map<string, Recommendation>();
  const signalFacts = signals.map((s) => ({
    type: s.type,
    severity: s.severity,
    detail: r(s.detail),
    evidence: cite(s.evidence),
  }));
  const healthFacts = {
    score: health.score,
    band: health.band,
    factors: health.factors.map((f) => ({ name: r(f.name), points: f.points, evidence: cite(f.evidence) })),
  };
  const candidateFacts = candidates.map((c, i) => {
    const key = `C${i + 1}`;
    candidateMap.set(key, c);
    return {
      candidate: key,
      type: c.type,
      priority: c.priority,
      confidence: c.confidence,
      action: r(c.action),
      rationale: r(c.rationale),
      evidence: cite(c.evidence),
      draft: c.draft && redactedDraft(c.draft, r),
    };
  });

  const primaryId = primaryContactOf(snapshot)?.id;
  const { account } = snapshot;
  const facts = {
    as_of: asOf.toISOString(),
    account: {
      id: account.id,
      name: r(account.name),
      status: account.status,
      type: account.accountType,
      industry: account.industry,
      annual_revenue: account.annualRevenue,
      employees: account.employees,
      renewal_date: iso(account.renewalDate),
      created_at: iso(account.createdAt),
      owner: '[OWNER]',
    },
    people: [
      ...contactsInOrder(context).map((c, i) => ({
        ref: `[CONTACT_${i + 1}]`,
        contact_id: c.id,
        title: c.title && r(c.title),
        primary: c.id === primaryId,
        has_email: c.email !== null,
      })),
      { ref: '[OWNER]', role: 'account owner (writes the e-mails, owns the tasks)' },
    ],
    placeholders: pseudonyms.placeholders,
    open_deals: snapshot.deals.slice(0, MAX_DEALS).map((d) => ({
      id: d.id,
      name: r(d.name),
      stage: d.stage,
      amount: d.amount,
      closing_date: iso(d.closingDate)?.slice(0, 10) ?? null,
      stage_entered_at: iso(d.stageEnteredAt),
    })),
    health: healthFacts,
    signals: signalFacts,
    evidence: [...evidence].map(([id, e]) => ({
      id,
      module: e.module,
      record_id: e.id,
      field: e.field,
      value: typeof e.value === 'string' ? r(e.value) : e.value,
    })),
    candidates: candidateFacts,
    limits: {
      max_recommendations: rules.recommendations.maxPerAccount,
      min_confidence: rules.recommendations.minConfidence,
    },
  };

  const text = `Account context:\n${JSON.stringify(facts)}\n\nCall submit_recommendations with your recommendations for this account.`;
  const leaked = pseudonyms.leaks(text);
  if (leaked.length > 0) throw new RedactionError(`values behind ${leaked.join(', ')} survived redaction`);
  return { text, evidence, candidates: candidateMap, pseudonyms };
}

function redactedDraft(draft: Draft, r: (text: string) => string) {
  switch (draft.kind) {
    case 'email':
      // The recipient comes from our records at the end; the model never needs the address.
      return {
        kind: draft.kind,
        to: draft.to ? '[CONTACT_1_EMAIL]' : null,
        subject: r(draft.subject),
        body: r(draft.body),
      };
    case 'task':
      return {
        kind: draft.kind,
        subject: r(draft.subject),
        description: r(draft.description),
        due_date: draft.dueDate,
      };
    case 'note':
      return { kind: draft.kind, title: r(draft.title), content: r(draft.content) };
    case 'field_update':
      return {
        kind: draft.kind,
        module: draft.module,
        record_id: draft.recordId,
        field: draft.field,
        before: typeof draft.before === 'string' ? r(draft.before) : draft.before,
        after: typeof draft.after === 'string' ? r(draft.after) : draft.after,
        note: 'kept as proposed; field changes are data, not wording',
      };
  }
}
