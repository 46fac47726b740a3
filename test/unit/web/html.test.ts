import { describe, expect, it } from 'vitest';
import { escapeHtml, humanize, percent, timeHtml } from '../../../web/html.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });

  it('escapes an already escaped entity again, so text shows as typed', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });

  it('renders null and undefined as nothing, primitives as text', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(false)).toBe('false');
    expect(escapeHtml(10n)).toBe('10');
  });

  it('renders objects as escaped JSON rather than [object Object]', () => {
    expect(escapeHtml({ name: '<b>' })).toBe('{&quot;name&quot;:&quot;&lt;b&gt;&quot;}');
  });

  it('renders dates as ISO text', () => {
    expect(escapeHtml(new Date('2025-03-01T10:00:00Z'))).toBe('2025-03-01T10:00:00.000Z');
  });

  it('leaves plain text alone', () => {
    expect(escapeHtml('Acme GmbH — Q3 renewal')).toBe('Acme GmbH — Q3 renewal');
  });
});

describe('format helpers', () => {
  it('shows times in UTC with a machine-readable datetime', () => {
    expect(timeHtml('2025-03-01T14:30:00Z')).toBe(
      '<time datetime="2025-03-01T14:30:00.000Z">1 Mar 2025, 14:30 UTC</time>',
    );
  });

  it('shows an unparseable time as escaped text and a missing one as a dash', () => {
    expect(timeHtml('<soon>')).toBe('&lt;soon&gt;');
    expect(timeHtml(null)).toBe('—');
  });

  it('humanizes enum values and rounds confidence to a percentage', () => {
    expect(humanize('re_engagement')).toBe('Re engagement');
    expect(humanize('AWAITING_APPROVAL')).toBe('Awaiting approval');
    expect(percent(0.725)).toBe('73%');
    expect(percent(Number.NaN)).toBe('—');
  });
});
