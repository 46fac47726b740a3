/**
 * RFC 4180 CSV, as Zoho's Bulk Read writes its result files: comma-separated, `"` quotes a field that
 * holds a comma, a quote or a line break, and a quote inside a quoted field is doubled. Records end in
 * CRLF; a lone LF is accepted too, since a file may have passed through tools that rewrite line ends.
 */

/** A file that is not CSV: an unterminated quote, or text after a closing quote. */
export class CsvSyntaxError extends Error {
  readonly line: number;

  constructor(message: string, line: number) {
    super(`CSV line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

/**
 * The records of `text`, one array of fields each, lazily: a 200,000-row export becomes records one at
 * a time instead of a second copy of the file. A trailing line break does not add an empty record; an
 * empty line inside the file is a record of one empty field, as RFC 4180 reads it.
 */
export function* csvRows(text: string): Generator<string[]> {
  // A byte-order mark is an encoding marker, not part of the first column's name.
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = text.length;
  let line = 1;
  if (at >= end) return;
  for (;;) {
    const row: string[] = [];
    for (;;) {
      let field: string;
      if (text[at] === '"') {
        const startLine = line;
        let value = '';
        at += 1;
        for (;;) {
          const quote = text.indexOf('"', at);
          if (quote < 0) throw new CsvSyntaxError('a quoted field is never closed', startLine);
          const chunk = text.slice(at, quote);
          line += countLineBreaks(chunk);
          value += chunk;
          if (text[quote + 1] === '"') {
            value += '"';
            at = quote + 2;
            continue;
          }
          at = quote + 1;
          break;
        }
        const next = text[at];
        if (at < end && next !== ',' && next !== '\r' && next !== '\n') {
          throw new CsvSyntaxError('text after a closing quote', line);
        }
        field = value;
      } else {
        let stop = at;
        while (stop < end) {
          const char = text[stop];
          if (char === ',' || char === '\r' || char === '\n') break;
          stop += 1;
        }
        field = text.slice(at, stop);
        if (field.includes('"')) throw new CsvSyntaxError('a quote inside an unquoted field', line);
        at = stop;
      }
      row.push(field);
      if (text[at] === ',') {
        at += 1;
        continue;
      }
      break;
    }
    if (text[at] === '\r' && text[at + 1] === '\n') at += 2;
    else if (text[at] === '\r' || text[at] === '\n') at += 1;
    line += 1;
    yield row;
    if (at >= end) return;
  }
}

/** Every record of `text` at once (see `csvRows`). */
export function parseCsv(text: string): string[][] {
  return [...csvRows(text)];
}

/** One field, quoted only when it has to be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Records as RFC 4180 text, each ended by CRLF. */
export function formatCsv(rows: Iterable<readonly string[]>): string {
  let out = '';
  for (const row of rows) out += `${row.map(csvField).join(',')}\r\n`;
  return out;
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 10 || (char === 13 && text.charCodeAt(i + 1) !== 10)) count += 1;
  }
  return count;
}
