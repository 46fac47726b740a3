import { descriptionFieldOf, subjectFieldOf } from '../account-facts.ts';
import type { Activity } from '../crm.ts';

/**
 * Word matching shared by the memory patterns. Matching is by word start, like `mentionsIn` of the
 * signals ("issue" finds "issues"), on text with typographic apostrophes made plain ("I’ll" → "I'll").
 */
export interface TextField {
  field: string;
  text: string;
}

/** An activity's subject and description, each with the Zoho field it comes from. */
export function textFieldsOf(activity: Activity): TextField[] {
  const fields: TextField[] = [{ field: subjectFieldOf(activity), text: plain(activity.subject) }];
  if (activity.description) fields.push({ field: descriptionFieldOf(activity), text: plain(activity.description) });
  return fields;
}

export function plain(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patterns = new Map<string, RegExp>();

function patternOf(keyword: string): RegExp {
  let pattern = patterns.get(keyword);
  if (!pattern) {
    pattern = new RegExp(`(?<![\\p{L}\\p{N}'])${escapeRegExp(keyword.toLowerCase())}`, 'giu');
    patterns.set(keyword, pattern);
  }
  pattern.lastIndex = 0;
  return pattern;
}

export interface KeywordMatch {
  keyword: string;
  index: number;
}

/** Every occurrence of every keyword in `text`, in text order. */
export function keywordMatches(text: string, keywords: readonly string[]): KeywordMatch[] {
  const lower = text.toLowerCase();
  const found: KeywordMatch[] = [];
  for (const keyword of keywords) {
    for (const match of lower.matchAll(patternOf(keyword))) found.push({ keyword, index: match.index });
  }
  return found.sort((a, b) => a.index - b.index);
}

const NEGATORS = new Set(['not', 'no', 'never', 'hardly', 'without', 'nothing', 'none']);

/** "not happy", "isn't great", "no longer satisfied": a negator among the three words before the match. */
export function isNegated(text: string, index: number): boolean {
  const before = text
    .slice(Math.max(0, index - 40), index)
    .toLowerCase()
    .split(/[^\p{L}']+/u)
    .filter(Boolean)
    .slice(-3);
  return before.some((word) => NEGATORS.has(word) || word.endsWith("n't"));
}

const EXCERPT_CHARS = 120;

/** Up to 120 characters of `text` around `index`, as evidence of what was said. */
export function excerptAround(text: string, index: number): string {
  if (text.length <= EXCERPT_CHARS) return text;
  const from = Math.max(0, index - 40);
  return `${from > 0 ? '…' : ''}${text.slice(from, from + EXCERPT_CHARS)}…`;
}
