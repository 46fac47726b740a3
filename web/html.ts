import type { PageAuth } from './page-auth.ts';
import { BASE_CSS } from './styles.ts';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Makes any value safe inside element text AND inside quoted attribute values, so one helper
 * serves every interpolation. CRM data is typed by people outside our control (account names,
 * notes, LLM drafts), so nothing reaches a page unescaped.
 */
export function escapeHtml(value: unknown): string {
  return textOf(value).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  try {
    // Objects (e.g. Zoho lookups like `{ id }`) read better as JSON than as "[object Object]".
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/**
 * A `<time>` element in UTC: the server does not know the reader's time zone, and saying "UTC"
 * is better than a silently wrong local time. The machine-readable value stays in `datetime`.
 */
export function timeHtml(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return escapeHtml(iso);
  return `<time datetime="${escapeHtml(date.toISOString())}">${escapeHtml(DATE_TIME.format(date))} UTC</time>`;
}

/** `re_engagement` → `Re-engagement`-ish labels without a lookup table for every enum value. */
export function humanize(value: string): string {
  const words = value.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

export function percent(confidence: number): string {
  return Number.isFinite(confidence) ? `${Math.round(confidence * 100)}%` : '—';
}

export interface DocumentOptions {
  title: string;
  /** Already-escaped markup of `<body>`. */
  body: string;
  /** Page-specific CSS appended to the shared sheet. */
  css?: string;
  /** Inline JS; static text written by us, never data (data would need JSON-in-script escaping). */
  script?: string;
  /** How the script signs in; carried as escaped JSON in a `<meta>`, where no markup can break out of it. */
  auth?: PageAuth;
  /** The path the site is served under (web/base-path.ts); travels in the same `<meta>` for the script. */
  basePath?: string;
}

/** What a page's script reads from `<meta name="sergas-config">` (AUTH_CLIENT). */
export type PageConfig = PageAuth & { basePath: string };

/**
 * The whole HTML document: one inline `<style>` and at most one inline `<script>`, no external requests.
 * The icon link keeps browsers asking for the icon inside the site (`<basePath>/favicon.ico`), not at the
 * host's root, which is outside it under API Gateway's stage. (An inline `data:` icon would need `img-src
 * data:` in the CSP.)
 */
export function htmlDocument(options: DocumentOptions): string {
  const script = options.script ? `\n<script>\n${options.script}\n</script>` : '';
  const pageConfig: PageConfig | null = options.auth ? { ...options.auth, basePath: options.basePath ?? '' } : null;
  const config = pageConfig
    ? `\n<meta name="sergas-config" id="sergas-config" content="${escapeHtml(JSON.stringify(pageConfig))}">`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="${escapeHtml(`${options.basePath ?? ''}/favicon.ico`)}">${config}
<title>${escapeHtml(options.title)}</title>
<style>
${BASE_CSS}${options.css ?? ''}
</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
${options.body}${script}
</body>
</html>
`;
}

/**
 * The top bar shared by every page; its brand links to the dashboard under `basePath`. `extra` is
 * already-escaped markup placed under the brand row.
 */
export function siteHeader(basePath = '', extra = ''): string {
  return `<header class="site-header">
<div class="bar">
<a class="brand" href="${escapeHtml(`${basePath}/`)}"><span class="brand-mark" aria-hidden="true">S</span><span class="brand-name">Sergas</span></a>
<span class="brand-tag">Account copilot for Zoho CRM</span>
</div>${extra}
</header>`;
}
