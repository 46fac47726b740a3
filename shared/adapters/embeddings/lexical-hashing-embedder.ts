import { fnv1a32, l2Normalise } from '../../domain/memory/feature-hashing.ts';
import type { Embedder } from '../../ports/embedder.ts';

// Words that carry no topic; without IDF from a corpus, dropping them keeps "the" from making texts similar.
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her him his how i if in ' +
    'into is it its just me my no not of on or our out she so than that the their them then there these they ' +
    'this those to too up us was we were what when where which while who will with would you your'
  ).split(' '),
);

const SIGN_SEED = 0x9747b28c;
const BIGRAM_WEIGHT = 0.5;

/**
 * A light suffix-stripper, enough that "renewals"/"renewal" and "called"/"calling"/"call" meet. Over-stemming
 * is harmless here: both sides of a comparison are stemmed the same way.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      // "stopped" → "stopp" → "stop", as "stop" is stemmed from "stops".
      if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  return w;
}

/** Lower-cased Unicode words (letters and digits, inner apostrophes dropped), stemmed, stopwords removed. */
export function tokenise(text: string): string[] {
  const words = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc']/g, '')
    .match(/[\p{L}\p{N}]+/gu);
  return (words ?? []).filter((w) => !STOPWORDS.has(w)).map(stem);
}

/**
 * The embedded default: deterministic and offline. Words and adjacent word pairs are hashed into
 * `dimension` buckets with a hashed sign (so collisions cancel out on average instead of adding up),
 * weighted by 1 + ln(tf) and L2-normalised. Texts that share words score higher than texts that do not;
 * it knows nothing of synonyms.
 */
export class LexicalHashingEmbedder implements Embedder {
  readonly dimension: number;
  readonly model: string;

  constructor(options: { dimension?: number } = {}) {
    this.dimension = options.dimension ?? 384;
    this.model = `lexical-hashing-v1-${this.dimension}`;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): number[] {
    const tokens = tokenise(text);
    const counts = new Map<string, { count: number; weight: number }>();
    const add = (feature: string, weight: number) => {
      const entry = counts.get(feature);
      if (entry) entry.count += 1;
      else counts.set(feature, { count: 1, weight });
    };
    tokens.forEach((token, i) => {
      add(`u:${token}`, 1);
      if (i > 0) add(`b:${tokens[i - 1]} ${token}`, BIGRAM_WEIGHT);
    });
    const vector = new Array<number>(this.dimension).fill(0);
    for (const [feature, { count, weight }] of counts) {
      const bucket = fnv1a32(feature) % this.dimension;
      const sign = fnv1a32(feature, SIGN_SEED) & 1 ? 1 : -1;
      vector[bucket]! += sign * weight * (1 + Math.log(count));
    }
    return l2Normalise(vector);
  }
}
