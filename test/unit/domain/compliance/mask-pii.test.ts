import { describe, expect, it } from 'vitest';
import { maskPii } from '../../../../shared/domain/compliance/mask-pii.ts';

describe('maskPii', () => {
  it('replaces each kind of PII with its typed placeholder', () => {
    const text =
      'Jane (jane.cooper@acme-logistics.example, +1 415 555 0134) paid with 4111 1111 1111 1111 ' +
      'from GB82 WEST 1234 5698 7654 32; SSN 123-45-6789; key sk-ant-api03-abcdefghijklmnopqrstuvwx';
    expect(maskPii(text)).toBe('Jane ([EMAIL], [PHONE]) paid with [CARD] from [IBAN]; SSN [SSN]; key [SECRET]');
  });

  it('leaves text without PII untouched', () => {
    const text = 'Deal "Acme – Fleet Analytics" has been in Negotiation/Review for 46 days (since 2026-10-09).';
    expect(maskPii(text)).toBe(text);
  });

  it("keeps the values it is told to keep, such as the account's own contact", () => {
    expect(
      maskPii('Write to Jane.Cooper@acme-logistics.example or bob@other.example', [
        'jane.cooper@acme-logistics.example',
      ]),
    ).toBe('Write to Jane.Cooper@acme-logistics.example or [EMAIL]');
  });
});
