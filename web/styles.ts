/**
 * The stylesheet every page inlines. Inline rather than a file because pages are bundled into
 * Lambda functions and must not make a second request (the CSP also allows only 'self').
 *
 * Colors: every text/background pair below is at least 4.5:1 (WCAG AA for normal text); tones
 * are always paired with a word, so nothing relies on color alone.
 */
export const BASE_CSS = `
:root {
  --bg: #f4f5f7;
  --surface: #ffffff;
  --text: #1b1f24;
  --muted: #545d68;
  --border: #d5d9df;
  --border-strong: #aab2bc;
  --accent: #0b57b0;
  --accent-strong: #083f80;
  --focus: #1a66d2;
  --radius: 8px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.06);
  --danger-bg: #fbe4e4; --danger-fg: #7a1414; --danger-line: #d9888a;
  --warn-bg: #fde8d4; --warn-fg: #7a3300; --warn-line: #e0a06b;
  --caution-bg: #fbf0c4; --caution-fg: #594400; --caution-line: #cfb14a;
  --info-bg: #e1ecf8; --info-fg: #0e4272; --info-line: #8bb0d8;
  --ok-bg: #dff2e4; --ok-fg: #14532b; --ok-line: #84c096;
  --neutral-bg: #eceff2; --neutral-fg: #3a424b; --neutral-line: #b4bcc5;
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1, h2, h3 { line-height: 1.25; margin: 0 0 0.5rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; }
h3 { font-size: 0.95rem; }
p { margin: 0 0 0.75rem; }
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { color: var(--accent-strong); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.85em; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
.skip-link { position: absolute; left: 0.5rem; top: -3rem; background: var(--surface); padding: 0.5rem 0.75rem; border-radius: var(--radius); z-index: 10; }
.skip-link:focus { top: 0.5rem; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.muted { color: var(--muted); }
.small { font-size: 0.85rem; }

.site-header { background: var(--surface); border-bottom: 1px solid var(--border); }
.site-header .bar { max-width: 1280px; margin: 0 auto; padding: 0.75rem 1.25rem; display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
.brand { display: inline-flex; align-items: center; gap: 0.5rem; color: var(--text); text-decoration: none; font-weight: 700; font-size: 1.1rem; }
.brand-mark { display: inline-grid; place-items: center; width: 1.75rem; height: 1.75rem; border-radius: 6px; background: #16324f; color: #fff; font-size: 0.95rem; }
.brand-tag { color: var(--muted); font-size: 0.85rem; }

.page { max-width: 1280px; margin: 0 auto; padding: 1.25rem; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1rem 1.25rem; }
.card + .card { margin-top: 1rem; }

.badge {
  display: inline-flex; align-items: center; gap: 0.35rem; white-space: nowrap;
  padding: 0.05rem 0.5rem; border-radius: 999px; border: 1px solid var(--neutral-line);
  background: var(--neutral-bg); color: var(--neutral-fg); font-size: 0.8rem; font-weight: 600;
}
.badge::before { content: ""; width: 0.5rem; height: 0.5rem; border-radius: 50%; background: currentColor; opacity: 0.75; }
.badge.plain::before { content: none; }
.tone-danger { background: var(--danger-bg); color: var(--danger-fg); border-color: var(--danger-line); }
.tone-warn { background: var(--warn-bg); color: var(--warn-fg); border-color: var(--warn-line); }
.tone-caution { background: var(--caution-bg); color: var(--caution-fg); border-color: var(--caution-line); }
.tone-info { background: var(--info-bg); color: var(--info-fg); border-color: var(--info-line); }
.tone-ok { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-line); }
.tone-neutral { background: var(--neutral-bg); color: var(--neutral-fg); border-color: var(--neutral-line); }

.notice { border: 1px solid var(--neutral-line); border-left-width: 5px; border-radius: var(--radius); padding: 0.75rem 1rem; background: var(--surface); }
.notice.tone-danger, .notice.tone-warn, .notice.tone-caution, .notice.tone-info, .notice.tone-ok { color: var(--text); }
.notice.tone-danger { background: var(--danger-bg); }
.notice.tone-warn { background: var(--warn-bg); }
.notice.tone-caution { background: var(--caution-bg); }
.notice.tone-info { background: var(--info-bg); }
.notice.tone-ok { background: var(--ok-bg); }
.notice > :last-child { margin-bottom: 0; }

.button {
  display: inline-flex; align-items: center; justify-content: center; gap: 0.4rem;
  min-height: 2.5rem; padding: 0.45rem 1rem; border-radius: 6px; border: 1px solid var(--border-strong);
  background: var(--surface); color: var(--text); font: inherit; font-weight: 600; cursor: pointer; text-decoration: none;
}
.button:hover { background: #f0f2f5; color: var(--text); }
.button.primary { background: #14632f; border-color: #14632f; color: #fff; }
.button.primary:hover { background: #0f4f25; }
.button.danger { background: var(--surface); border-color: #a32020; color: #8c1b1b; }
.button.danger:hover { background: var(--danger-bg); }
.button[aria-disabled="true"] { opacity: 0.6; cursor: progress; }

table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--border); }
thead th { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; color: var(--muted); border-bottom-color: var(--border-strong); }
.table-wrap { overflow-x: auto; }

dl.fields { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.35rem 1rem; margin: 0; }
dl.fields dt { color: var(--muted); font-weight: 600; }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
.prose { white-space: pre-wrap; overflow-wrap: anywhere; }

@media (max-width: 640px) {
  body { font-size: 16px; }
  .page { padding: 0.75rem; }
  .card { padding: 0.85rem; }
  dl.fields { grid-template-columns: minmax(0, 1fr); gap: 0.1rem; }
  dl.fields dd { margin-bottom: 0.5rem; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
@media print { .skip-link, form, .no-print { display: none !important; } body { background: #fff; } }
`;
