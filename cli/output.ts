import { SingleBar } from 'cli-progress';

/** Prints rows as an aligned table on stdout. */
export function printTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): void {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '—' : String(cell)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  for (const [index, row] of cells.entries()) {
    process.stdout.write(
      `${row
        .map((cell, i) => (cell ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
    if (index === 0) process.stdout.write(`${widths.map((w) => '─'.repeat(w)).join('  ')}\n`);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Progress on stderr, so stdout stays clean for --json. Silent when stderr is not a terminal. */
export function progressBar(label: string, total: number) {
  if (!process.stderr.isTTY) {
    return { update: (_value: number) => undefined, increment: () => undefined, stop: () => undefined };
  }
  const bar = new SingleBar({
    format: `${label.padEnd(14)} [{bar}] {value}/{total} {percentage}% · {eta_formatted} left`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(total, 0);
  return { update: (value: number) => bar.update(value), increment: () => bar.increment(), stop: () => bar.stop() };
}

export const info = (message: string) => process.stderr.write(`${message}\n`);
