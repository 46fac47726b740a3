/**
 * `npm run eval`: every scenario through the real pipeline, then precision and recall per signal type and
 * per recommendation type, as tables (default) or one JSON document (`--json`).
 */
import { ScenarioBench } from './scenario-bench.ts';
import { loadScenarios, SCENARIO_DIR } from './scenario-format.ts';
import { type EvalSummary, summarise, type TypeScore } from './scenario-score.ts';

export interface EvalOptions {
  dir?: string;
}

export async function runEval(options: EvalOptions = {}): Promise<EvalSummary & { dir: string; ms: number }> {
  const started = Date.now();
  const dir = options.dir ?? SCENARIO_DIR;
  const scenarios = await loadScenarios(dir);
  const bench = await ScenarioBench.open();
  try {
    const results = [];
    for (const scenario of scenarios) results.push({ scenario, outcome: await bench.run(scenario) });
    return { dir, ...summarise(results), ms: Date.now() - started };
  } finally {
    await bench.close();
  }
}

const pct = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);

function table(title: string, rows: readonly TypeScore[], overall: Omit<TypeScore, 'type'>): string {
  const header = [title, 'TP', 'FP', 'FN', 'precision', 'recall'];
  const body = [...rows, { type: 'all (micro)', ...overall }].map((r) => [
    r.type,
    String(r.tp),
    String(r.fp),
    String(r.fn),
    pct(r.precision),
    pct(r.recall),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.slice(0, -1).map(line), rule, line(body.at(-1)!)].join('\n');
}

export function formatReport(summary: EvalSummary & { ms: number }): string {
  const lines = [
    `${summary.scenarios} scenarios, ${summary.passed} match their labels exactly (${(summary.ms / 1000).toFixed(1)} s)`,
    '',
    table('signal (type + severity)', summary.signals, summary.overall.signals),
    '',
    table('recommendation type', summary.recommendations, summary.overall.recommendations),
  ];
  if (summary.failed.length > 0) {
    lines.push('', 'Scenarios that differ from their labels:');
    for (const f of summary.failed) {
      lines.push(`- ${f.file} (${f.name})`, `    expected ${JSON.stringify(f.expected)}`);
      lines.push(`    observed ${JSON.stringify(f.observed)}`);
    }
  }
  return lines.join('\n');
}
