import { describe, expect, it } from 'vitest';
import {
  detectPii,
  isIbanChecksumValid,
  isLuhnValid,
  isPaymentCard,
  scanPii,
} from '../../../../shared/domain/compliance/pii-detectors.ts';

const typesIn = (text: string) => scanPii(text).map((m) => m.type);

describe('payment cards', () => {
  it.each([
    ['4111 1111 1111 1111', true],
    ['4111-1111-1111-1112', false],
    ['378282246310005', true],
    ['5555555555554444', true],
  ])('%s is Luhn-valid: %s', (card, valid) => {
    expect(isLuhnValid(card.replace(/\D/g, ''))).toBe(valid);
  });

  it('finds a Luhn-valid card and masks all but its last four digits', () => {
    expect(detectPii('Charge card 4111 1111 1111 1111 today', 'draft.body')).toEqual([
      { type: 'payment_card', location: 'draft.body', preview: '**** **** **** 1111' },
    ]);
  });

  it('ignores a card-shaped number that fails the Luhn check', () => {
    expect(typesIn('Order 4111 1111 1111 1112')).toEqual([]);
  });

  it('does not take a 19-digit Zoho record id for a card', () => {
    expect(isPaymentCard('4876876000000624001')).toBe(false);
    expect(typesIn('See record 4876876000000624001 and 3652397000000649013')).toEqual([]);
  });
});

describe('IBANs', () => {
  it.each([
    ['GB82 WEST 1234 5698 7654 32', true],
    ['GB82 WEST 1234 5698 7654 33', false],
    ['DE89370400440532013000', true],
    ['DE8937040044053201300', false],
  ])('%s has a valid mod-97 checksum: %s', (iban, valid) => {
    expect(isIbanChecksumValid(iban)).toBe(valid);
  });

  it('finds a valid IBAN inside a sentence, stopping where it ends', () => {
    const [match] = scanPii('Pay to GB82 WEST 1234 5698 7654 32 TODAY please');
    expect(match).toMatchObject({
      type: 'iban',
      text: 'GB82 WEST 1234 5698 7654 32',
      preview: 'GB** **** **** **** **54 32',
    });
  });

  it('ignores an IBAN-shaped string with a wrong checksum', () => {
    expect(typesIn('Pay to GB82 WEST 1234 5698 7654 33')).toEqual([]);
  });
});

describe('phones', () => {
  it.each([
    ['+14155550134'],
    ['+1 415 555 0134'],
    ['+44 20 7946 0958'],
    ['(415) 555-0134'],
    ['415-555-0134'],
    ['415.555.0134'],
    ['020 7946 0958'],
    ['0151 496 0123'],
    ['01 23 45 67 89'],
  ])('finds %s', (phone) => {
    expect(typesIn(`Call me on ${phone} tomorrow`)).toEqual(['phone']);
  });

  it.each([['2026-11-24'], ['120,000'], ['10:30'], ['INV-2026-00123'], ['+123']])(
    'does not take %s for a phone',
    (text) => {
      expect(typesIn(`Ref ${text}`)).toEqual([]);
    },
  );

  it('keeps only the last two digits in the preview', () => {
    expect(scanPii('+44 20 7946 0958')[0]?.preview).toBe('+** ** **** **58');
  });
});

describe('US social security numbers', () => {
  it('finds a dashed SSN and one labelled as such', () => {
    expect(detectPii('SSN 123-45-6789, ssn: 123456789', 'rationale').map((f) => f.preview)).toEqual([
      '***-**-6789',
      '*****6789',
    ]);
  });

  it.each(['000-12-3456', '666-12-3456', '123-00-4567', '123-45-0000'])('ignores the impossible %s', (ssn) => {
    expect(typesIn(ssn)).toEqual([]);
  });
});

describe('e-mail addresses', () => {
  it('finds an address and hides the local part', () => {
    expect(scanPii('Write to jane.cooper@acme-logistics.example.')[0]).toMatchObject({
      type: 'email',
      text: 'jane.cooper@acme-logistics.example',
      preview: 'j***@acme-logistics.example',
    });
  });
});

describe('secrets', () => {
  it.each([
    ['an Anthropic key', 'sk-ant-api03-abcdefghijklmnopqrstuvwx'],
    ['an OpenAI key', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a Slack token', 'xoxb-123456789012-abcdefghij'],
    ['a Zoho OAuth token', '1000.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef'],
    ['a high-entropy token', 'q8Xv2LmP9sK3tR7wZ1bN5cJ4hF6gD0yA'],
  ])('finds %s and shows only its prefix', (_name, secret) => {
    const [match] = scanPii(`key=${secret}`);
    expect(match?.type).toBe('secret');
    expect(match?.preview).toBe(`${secret.slice(0, 4)}… (${secret.length} chars)`);
  });

  it.each([
    ['an identifier made of words', 'Account_Management_Copilot_Project_2026_Version'],
    ['a URL with a record id', 'https://crm.zoho.eu/crm/org20071234/tab/Accounts/4876876000000624001'],
    ['a timestamp', '2026-11-24T12:00:00.000Z'],
  ])('leaves %s alone', (_name, text) => {
    expect(typesIn(text)).toEqual([]);
  });
});
