/**
 * DOMAIN-RULES policy on customer-facing drafts: no promised discounts, refunds, guarantees or legal
 * commitments, and no internal-only notes quoted. A rep may discuss these, but only a person with
 * the authority to commit may put them in writing, so each match blocks the draft.
 */
export interface PhraseRule {
  rule: string;
  pattern: RegExp;
  message: string;
}

export const PROMISE_RULES: readonly PhraseRule[] = [
  {
    rule: 'no_discount_promise',
    pattern:
      /\b\d{1,3}(?:[.,]\d+)?\s?%\s*(?:off|discount)\b|\b(?:offer|give|grant|provide|extend|apply|guarantee)\w*\s+(?:you\s+)?(?:an?\s+|the\s+|our\s+)?(?:\w+\s+)?discount|\bdiscount(?:ed)?\s+(?:of|by)\s+\d|\bfree of charge\b|\bat no (?:extra |additional )?cost\b/i,
    message: 'promises a discount or free service',
  },
  {
    rule: 'no_refund_promise',
    pattern: /\brefund(?:s|ed|ing)?\b|\bmoney[- ]back\b|\breimburse\w*/i,
    message: 'promises a refund',
  },
  {
    rule: 'no_guarantee',
    pattern:
      /\bguarantee(?:s|d)?\b|\b(?:we|i)\s+promise\b|\bwarrant(?:y|ies|s)?\b|\b100\s?% (?:uptime|satisfaction)\b/i,
    message: 'makes a guarantee',
  },
  {
    rule: 'no_legal_commitment',
    pattern:
      /\blegally binding\b|\b(?:accept|assume|take)s?\s+(?:full\s+|all\s+)?(?:legal\s+)?liability\b|\bindemnif\w*|\bcontractual(?:ly)?\s+(?:commit|bind|oblig)\w*|\bwaive\w*\s+(?:the\s+|all\s+|any\s+)?(?:fees?|penalt\w+|terms)\b/i,
    message: 'makes a legal or contractual commitment',
  },
];

export const INTERNAL_ONLY_RULE: PhraseRule = {
  rule: 'no_internal_notes',
  pattern:
    /\binternal(?:\s+use)?\s+only\b|\bdo not (?:share|forward)\b|\bnot for (?:external|customer)\b|\[internal\]|\bconfidential\s*[-–:]\s*internal\b/i,
  message: 'quotes a note marked internal',
};
