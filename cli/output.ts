import { MultiBar, SingleBar } from 'cli-progress';

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

/**
 * One bar per module on stderr. A module whose size is unknown (null) counts up with no total. `force`
 * draws them even when stderr is not a terminal (a line per redraw), for logs and tests.
 */
export function moduleProgressBars(modules: readonly string[], totals: ReadonlyMap<string, number>, force = false) {
  if (!process.stderr.isTTY && !force)
    return { update: (_module: string, _value: number) => undefined, stop: () => undefined };
  const multi = new MultiBar({
    format: '{module} [{bar}] {value}/{total}',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: force,
    notTTYSchedule: 250,
  });
  const width = Math.max(...modules.map((m) => m.length));
  const bars = new Map(
    modules.map((module) => [
      module,
      { bar: multi.create(totals.get(module) ?? 0, 0, { module: module.padEnd(width) }), known: totals.has(module) },
    ]),
  );
  return {
    update(module: string, value: number) {
      const entry = bars.get(module);
      if (!entry) return;
      // Without a known size, or past it (records created mid-sync), the bar's end moves with the count.
      if (!entry.known || value > entry.bar.getTotal()) entry.bar.setTotal(value);
      entry.bar.update(value);
    },
    stop: () => multi.stop(),
  };
}

export const info = (message: string) => process.stderr.write(`${message}\n`);
