import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';

export interface Metric {
  name: string;
  value: number;
  unit: string;
}

export interface BenchResult {
  name: string;
  date: string;
  machine: { cpus: number; memory_gb: number; node: string };
  params: Record<string, unknown>;
  metrics: Metric[];
}

/** Writes bench/results/<name>.json in the CONTRACTS.md shape and prints the metrics as a table. */
export async function record(name: string, params: Record<string, unknown>, metrics: Metric[]): Promise<BenchResult> {
  const result: BenchResult = {
    name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
    params,
    metrics,
  };
  await writeFile(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  const width = Math.max(...metrics.map((m) => m.name.length));
  process.stdout.write(`\n${name} ${JSON.stringify(params)}\n`);
  for (const m of metrics)
    process.stdout.write(`  ${m.name.padEnd(width)}  ${m.value.toLocaleString('en-US')} ${m.unit}\n`);
  return result;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}
