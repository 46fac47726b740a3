import type { PiiType } from '../analysis.ts';
import { scanPii } from './pii-detectors.ts';

export const PII_PLACEHOLDERS: Record<PiiType, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  payment_card: '[CARD]',
  ssn: '[SSN]',
  iban: '[IBAN]',
  secret: '[SECRET]',
};

/**
 * DOMAIN-RULES masking: PII becomes a typed placeholder before text goes to an LLM, a log or the
 * audit trail. `keep` lists values to leave as they are (the account's own contact data in a CRM
 * write), compared case-insensitively.
 */
export function maskPii(text: string, keep: readonly string[] = []): string {
  const kept = new Set(keep.map((k) => k.trim().toLowerCase()));
  let masked = '';
  let at = 0;
  for (const match of scanPii(text)) {
    if (kept.has(match.text.trim().toLowerCase())) continue;
    masked += text.slice(at, match.start) + PII_PLACEHOLDERS[match.type];
    at = match.end;
  }
  return masked + text.slice(at);
}
