import type { PiiFinding, PiiType } from '../analysis.ts';

/**
 * DOMAIN-RULES PII detectors: e-mail, phone (E.164 and national formats), payment card (Luhn-valid),
 * US SSN, IBAN (mod-97 valid), secrets (known prefixes and high-entropy tokens). Street addresses are
 * out of scope. Checksums keep order numbers and record ids from passing as cards or IBANs.
 */
export interface PiiMatch {
  type: PiiType;
  start: number;
  end: number;
  text: string;
  /** The value with most of it hidden, safe to show an approver or to log. */
  preview: string;
}

interface Detector {
  type: PiiType;
  pattern: RegExp;
  /** Accepts the raw match, or narrows it to the part that really is PII (start/end relative to it). */
  accept?: (match: string) => { start: number; end: number } | boolean;
}

const SECRET_PREFIXES = [
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g, // OpenAI / Anthropic
  /\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API keys
  /\b1000\.[0-9a-f]{32}\.[0-9a-f]{32}\b/g, // Zoho OAuth tokens
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/g,
];

/** Long tokens mixing cases and digits with near-random spread are keys whatever their prefix. */
const HIGH_ENTROPY_TOKEN = /(?<![A-Za-z0-9_+-])[A-Za-z0-9_+-]{32,}={0,2}(?![A-Za-z0-9_+=-])/g;
const MIN_BITS_PER_CHAR = 4.2;

function shannonBitsPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Random characters switch between lower case, upper case and digits about 60 % of the time;
 * identifiers made of words (Account_Management_Project_2026, CamelCaseNames) rarely do.
 */
const MIN_CLASS_SWITCH_SHARE = 0.3;

function classSwitchShare(raw: string): number {
  // Separators would count as switches and make any snake_case identifier look random.
  const token = raw.replace(/[^A-Za-z0-9]/g, '');
  if (token.length < 2) return 0;
  const classOf = (ch: string) => (/[a-z]/.test(ch) ? 'l' : /[A-Z]/.test(ch) ? 'u' : /\d/.test(ch) ? 'd' : 'o');
  let switches = 0;
  for (let i = 1; i < token.length; i++) if (classOf(token[i]!) !== classOf(token[i - 1]!)) switches++;
  return switches / (token.length - 1);
}

export function looksLikeSecretToken(token: string): boolean {
  return (
    /[a-z]/.test(token) &&
    /[A-Z]/.test(token) &&
    /\d/.test(token) &&
    shannonBitsPerChar(token) >= MIN_BITS_PER_CHAR &&
    classSwitchShare(token) >= MIN_CLASS_SWITCH_SHARE
  );
}

/** Luhn (mod 10) checksum of a digit string. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Card brands by prefix and length; anything else with a valid Luhn is an id, not a card. */
const CARD_BRANDS: { prefix: RegExp; lengths: number[] }[] = [
  { prefix: /^4/, lengths: [13, 16] }, // Visa
  { prefix: /^(?:5[1-5]|2[2-7])/, lengths: [16] }, // Mastercard
  { prefix: /^3[47]/, lengths: [15] }, // American Express
  { prefix: /^(?:6011|65|64[4-9])/, lengths: [16] }, // Discover
  { prefix: /^3(?:0[0-5]|[689])/, lengths: [14, 16] }, // Diners Club
  { prefix: /^35/, lengths: [16] }, // JCB
  { prefix: /^62/, lengths: [16] }, // UnionPay
];

export function isPaymentCard(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  return CARD_BRANDS.some((b) => b.prefix.test(digits) && b.lengths.includes(digits.length)) && isLuhnValid(digits);
}

/** IBAN lengths by country (ISO 13616 registry, the countries our customers bank in most). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AT: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SA: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TR: 26,
};

/** ISO 7064 mod-97-10 over the rearranged IBAN: a valid one leaves remainder 1. */
export function isIbanChecksumValid(iban: string): boolean {
  const compact = iban.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const expected = IBAN_LENGTHS[compact.slice(0, 2)];
  if (expected !== undefined && compact.length !== expected) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** The longest prefix of a spaced IBAN-looking run that is a valid IBAN (the run may swallow a next word). */
function validIbanPrefix(match: string): { start: number; end: number } | false {
  for (let end = match.length; end >= 15; end--) {
    const candidate = match.slice(0, end);
    if (/\s$/.test(candidate)) continue;
    if (isIbanChecksumValid(candidate)) return { start: 0, end };
  }
  return false;
}

const digitCount = (text: string) => text.replace(/\D/g, '').length;

/** Order is precedence: where two detectors overlap, the earlier one names the text. */
const DETECTORS: Detector[] = [
  ...SECRET_PREFIXES.map((pattern): Detector => ({ type: 'secret', pattern })),
  { type: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { type: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/g, accept: validIbanPrefix },
  { type: 'payment_card', pattern: /(?<![\d+])\d(?:[ -]?\d){12,18}(?!\d)/g, accept: isPaymentCard },
  { type: 'ssn', pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g },
  {
    type: 'ssn',
    pattern: /\b(?:SSN|social security(?: number)?)[\s:#]*(?!000|666|9\d\d)\d{9}\b/gi,
    accept: (m) => ({ start: m.length - 9, end: m.length }),
  },
  // E.164 and international: + country code, 8–15 digits with the usual separators.
  {
    type: 'phone',
    pattern: /\+\d(?:[ .()-]{0,2}\d){6,14}(?!\d)/g,
    accept: (m) => digitCount(m) >= 8 && digitCount(m) <= 15,
  },
  // North American: (555) 123-4567, 555-123-4567, 555.123.4567.
  { type: 'phone', pattern: /(?<![\d+])(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}(?!\d)/g },
  // National formats with a trunk 0: 020 7946 0958, 0151 496 0123, 030 12345678, 01 23 45 67 89.
  {
    type: 'phone',
    pattern: /(?<![\d+])0\d{1,4}(?:[ .-]?\d{2,4}){2,4}(?!\d)/g,
    accept: (m) => digitCount(m) >= 10 && digitCount(m) <= 11,
  },
  { type: 'secret', pattern: HIGH_ENTROPY_TOKEN, accept: looksLikeSecretToken },
];

/** Every PII match in a text, non-overlapping, in reading order. */
export function scanPii(text: string): PiiMatch[] {
  const matches: PiiMatch[] = [];
  const overlaps = (start: number, end: number) => matches.some((m) => start < m.end && m.start < end);
  for (const detector of DETECTORS) {
    for (const found of text.matchAll(detector.pattern)) {
      const verdict = detector.accept ? detector.accept(found[0]) : true;
      if (verdict === false) continue;
      const span = verdict === true ? { start: 0, end: found[0].length } : verdict;
      const start = found.index + span.start;
      const end = found.index + span.end;
      if (overlaps(start, end)) continue;
      const value = text.slice(start, end);
      matches.push({ type: detector.type, start, end, text: value, preview: previewOf(detector.type, value) });
    }
  }
  return matches.sort((a, b) => a.start - b.start);
}

/** DOMAIN-RULES findings: type, location and a masked preview, never the value itself. */
export function detectPii(text: string, location: string): PiiFinding[] {
  return scanPii(text).map((m) => ({ type: m.type, location, preview: m.preview }));
}

/** Hides every letter/digit of `value` except the first `keepStart` and last `keepEnd` of them. */
function hide(value: string, keepStart: number, keepEnd: number): string {
  const positions = [...value].flatMap((ch, i) => (/[A-Za-z0-9]/.test(ch) ? [i] : []));
  const shown = new Set([...positions.slice(0, keepStart), ...positions.slice(positions.length - keepEnd)]);
  return [...value].map((ch, i) => (/[A-Za-z0-9]/.test(ch) && !shown.has(i) ? '*' : ch)).join('');
}

function previewOf(type: PiiType, value: string): string {
  switch (type) {
    case 'email': {
      const [local = '', domain = ''] = value.split('@');
      return `${local.slice(0, 1)}***@${domain}`;
    }
    case 'phone':
      return hide(value, 0, 2);
    case 'payment_card':
    case 'ssn':
      return hide(value, 0, 4);
    case 'iban':
      return hide(value, 2, 4);
    case 'secret':
      return `${value.slice(0, 4)}… (${value.length} chars)`;
  }
}
