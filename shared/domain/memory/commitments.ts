import { activityTimeEvidence, pastActivitiesOf } from '../account-facts.ts';
import type { Evidence } from '../analysis.ts';
import { addDaysToDate, daysBetweenDates, localDateOf } from '../calendar.ts';
import type { AccountSnapshot, Activity } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import { keywordMatches, type TextField, textFieldsOf } from './lexicon.ts';
import type { MemoryRules } from './memory-rules.ts';

/**
 * Commitments made vs kept. A sentence in a note, call, meeting or task that promises something ("will
 * send", "promised", "by Friday", "next week") is a commitment, due by the deadline it names (or a default).
 * It is kept when a later completed activity is about the same thing (shares a topic word), broken when
 * its deadline (plus a grace) has passed with nothing, and pending before that.
 */
export type CommitmentStatus = 'kept' | 'kept_late' | 'broken' | 'pending';

export interface Commitment {
  status: CommitmentStatus;
  /** The promise as written (the sentence, clipped). */
  text: string;
  /** The phrase that marked it as a promise. */
  phrase: string;
  madeOn: string;
  dueOn: string;
  /** The activity that fulfilled it, when one did. */
  keptBy: { module: string; id: string; on: string } | null;
  evidence: Evidence[];
}

export interface CommitmentSummary {
  made: number;
  kept: number;
  keptLate: number;
  broken: number;
  pending: number;
  /** (kept + kept late) ÷ commitments whose outcome is known; null when none is. */
  keptRate: number | null;
  commitments: Commitment[];
  detail: string;
  evidence: Evidence[];
}

const MAX_EVIDENCE = 10;
const SENTENCE_CHARS = 160;

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** Words that say when or how, not what: they never tie a promise to what fulfilled it. */
const STOP_WORDS = new Set([
  ...WEEKDAYS,
  ...MONTHS,
  'about',
  'after',
  'again',
  'agreed',
  'also',
  'back',
  'before',
  'committed',
  'could',
  'from',
  'further',
  'have',
  'into',
  'just',
  'month',
  'next',
  'once',
  'over',
  'promise',
  'promised',
  'provide',
  'send',
  'sent',
  'share',
  'shared',
  'should',
  'some',
  'than',
  'that',
  'their',
  'them',
  'then',
  'there',
  'they',
  'this',
  'tomorrow',
  'today',
  'until',
  'week',
  'were',
  'what',
  'when',
  'which',
  'will',
  'with',
  'would',
  'your',
]);

/** A light stem, so "quotes" meets "quote" and "scheduled" meets "schedule". */
function stemOf(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) return word.slice(0, -suffix.length);
  }
  return word;
}

function topicWordsOf(text: string, minLength: number): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length >= minLength && !STOP_WORDS.has(w) && !/^\d+$/.test(w))
      .map(stemOf),
  );
}

interface Sentence extends TextField {
  sentence: string;
}

function sentencesOf(activity: Activity): Sentence[] {
  return textFieldsOf(activity).flatMap(({ field, text }) =>
    text
      .split(/(?<=[.!?;])\s+|\n+/)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((sentence) => ({ field, text, sentence })),
  );
}

/** The deadline a sentence names, as a local date; the default when it names none. */
export function deadlineOf(sentence: string, madeOn: string, defaultDueDays: number): string {
  const text = sentence.toLowerCase();
  const iso = /\b(\d{4}-\d{2}-\d{2})\b/.exec(text);
  if (iso?.[1] && iso[1] >= madeOn) return iso[1];
  const weekday = new Date(`${madeOn}T00:00:00Z`).getUTCDay();
  const nextWeekday = (target: number) => addDaysToDate(madeOn, ((target - weekday + 6) % 7) + 1);
  if (/\btomorrow\b/.test(text)) return addDaysToDate(madeOn, 1);
  if (/\b(by )?(eod|end of (the )?day|today)\b/.test(text)) return madeOn;
  if (/\bnext week\b/.test(text)) return addDaysToDate(nextWeekday(1), 4);
  if (/\b(end of (the )?week|this week)\b/.test(text)) return weekday === 5 ? madeOn : nextWeekday(5);
  if (/\bend of (the )?month\b/.test(text)) {
    const [year, month] = madeOn.split('-').map(Number) as [number, number];
    return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
  }
  const day = WEEKDAYS.findIndex((name) => new RegExp(`\\b(by|on|this|next) ${name}\\b`).test(text));
  if (day >= 0) return nextWeekday(day);
  return addDaysToDate(madeOn, defaultDueDays);
}

function clipSentence(sentence: string): string {
  return sentence.length <= SENTENCE_CHARS ? sentence : `${sentence.slice(0, SENTENCE_CHARS - 1)}…`;
}

/** A completed activity after the promise, about the same thing; a note that only promises again is not. */
function fulfilmentOf(
  promise: { activity: Activity; topic: Set<string> },
  candidates: readonly Activity[],
  phrases: readonly string[],
  minLength: number,
): Activity | undefined {
  return candidates.find((candidate) => {
    if (candidate.id === promise.activity.id || candidate.isOpen) return false;
    if (candidate.occurredAt.getTime() <= promise.activity.occurredAt.getTime()) return false;
    const text = textFieldsOf(candidate)
      .map((f) => f.text)
      .join(' ');
    if (candidate.kind === 'note' && keywordMatches(text, phrases).length > 0) return false;
    if (promise.topic.size === 0) return candidate.kind !== 'note';
    const words = topicWordsOf(text, minLength);
    return [...promise.topic].some((w) => words.has(w));
  });
}

export function commitmentsOf(
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules,
  memory: MemoryRules,
): CommitmentSummary {
  const { lookbackDays, phrases, defaultDueDays, graceDays, minTopicWordLength } = memory.commitments;
  const today = localDateOf(asOf, rules.timeZone);
  const past = pastActivitiesOf(snapshot, asOf).sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id),
  );
  const commitments: Commitment[] = [];
  for (const activity of past) {
    const madeOn = localDateOf(activity.occurredAt, rules.timeZone);
    if (daysBetweenDates(madeOn, today) > lookbackDays) continue;
    // An open task is itself a promise the overdue-tasks signal already tracks; its text is not a second one.
    if (activity.isOpen) continue;
    for (const { field, sentence } of sentencesOf(activity)) {
      const [match] = keywordMatches(sentence, phrases);
      if (!match) continue;
      const dueOn = deadlineOf(sentence, madeOn, defaultDueDays);
      const withoutPhrases = phrases.reduce((text, p) => text.replaceAll(p, ' '), sentence.toLowerCase());
      const topic = topicWordsOf(withoutPhrases, minTopicWordLength);
      const keptBy = fulfilmentOf({ activity, topic }, past, phrases, minTopicWordLength);
      const keptOn = keptBy ? localDateOf(keptBy.occurredAt, rules.timeZone) : null;
      const status: CommitmentStatus = keptOn
        ? keptOn <= dueOn
          ? 'kept'
          : 'kept_late'
        : daysBetweenDates(dueOn, today) > graceDays
          ? 'broken'
          : 'pending';
      const said: Evidence = { module: activity.module, id: activity.id, field, value: clipSentence(sentence) };
      commitments.push({
        status,
        text: clipSentence(sentence),
        phrase: match.keyword,
        madeOn,
        dueOn,
        keptBy: keptBy && keptOn ? { module: keptBy.module, id: keptBy.id, on: keptOn } : null,
        evidence: keptBy ? [said, activityTimeEvidence(keptBy)] : [said],
      });
    }
  }

  const count = (status: CommitmentStatus) => commitments.filter((c) => c.status === status).length;
  const [kept, keptLate, broken, pending] = [count('kept'), count('kept_late'), count('broken'), count('pending')];
  const decided = kept + keptLate + broken;
  const keptRate = decided === 0 ? null : Math.round(((kept + keptLate) / decided) * 100) / 100;
  // Broken promises matter most, then the ones still open, then the kept ones.
  const order: CommitmentStatus[] = ['broken', 'pending', 'kept_late', 'kept'];
  const evidence = order
    .flatMap((status) => commitments.filter((c) => c.status === status).reverse())
    .flatMap((c) => c.evidence)
    .slice(0, MAX_EVIDENCE);
  return {
    made: commitments.length,
    kept,
    keptLate,
    broken,
    pending,
    keptRate,
    commitments,
    detail:
      commitments.length === 0
        ? `No commitments found in the last ${lookbackDays} days`
        : `${commitments.length} commitment(s) in the last ${lookbackDays} days: ${kept} kept, ${keptLate} kept late, ${broken} broken, ${pending} pending`,
    evidence,
  };
}
