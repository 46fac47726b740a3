import type { OutboundMessage } from '../../ports/notifier.ts';

/** Links the text does not already spell out; every channel lists these after the text. */
export const linksNotInText = (message: OutboundMessage) =>
  message.links.filter((link) => !message.text.includes(link.url));

/** The plain-text body: the text, then each link as `label: url`. */
export function plainText(message: OutboundMessage): string {
  const extra = linksNotInText(message);
  if (extra.length === 0) return message.text;
  return `${message.text.trimEnd()}\n\n${extra.map((link) => `${link.label}: ${link.url}`).join('\n')}\n`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** A small HTML body: the text's paragraphs and every link as an anchor. */
export function htmlBody(message: OutboundMessage): string {
  const paragraphs = message.text
    .trim()
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`);
  const links = message.links.map((link) => `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`);
  return [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">',
    ...paragraphs,
    ...links,
    '</body></html>',
  ].join('\n');
}
