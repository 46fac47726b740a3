import { expect } from 'vitest';

/** The text of every inline `<script>` (the pages put all their JS in one). */
export function scriptsOf(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
}

/**
 * Structural accessibility checks a string can answer: language, landmarks, headings in order,
 * labelled controls, scoped table headers, no inline handlers (the CSP story relies on that).
 */
export function expectAccessibleShell(html: string): void {
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).toContain('<html lang="en">');
  expect(html).toMatch(/<header\b/);
  expect(html).toMatch(/<main id="main"/);
  expect(html).toContain('name="viewport"');

  const levels = [...html.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
  expect(levels[0]).toBe(1);
  expect(levels.filter((l) => l === 1)).toHaveLength(1);
  for (let i = 1; i < levels.length; i++) {
    expect((levels[i] as number) - (levels[i - 1] as number), `heading order ${levels.join(',')}`).toBeLessThanOrEqual(
      1,
    );
  }

  for (const [, id] of html.matchAll(/<(?:input|select|textarea)\b[^>]*\sid="([^"]+)"/g)) {
    expect(html, `label for #${id}`).toContain(`<label for="${id}"`);
  }
  for (const [th] of html.matchAll(/<th\b[^>]*>/g)) expect(th).toMatch(/scope="(col|row)"/);

  // Attributes inside tags only: escaped text like `&quot; onclick=` is harmless and not matched.
  const tags = html.replace(/<script\b[\s\S]*?<\/script>/g, '').match(/<[a-z][^>]*>/gi) ?? [];
  for (const tag of tags) expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
  expect(scriptsOf(html).length).toBeLessThanOrEqual(1);
}
