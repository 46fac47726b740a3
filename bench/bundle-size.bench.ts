/**
 * Each Lambda function's bundle size and the time to import it in a fresh Node process, our cold-start
 * proxy: bundles are built exactly as `cdk synth` builds them, then each `index.mjs` is imported by a new
 * `node` process that times only the import (Node's own start-up is left out). The median of three
 * processes per function is kept. The baseline in the same run is an empty ESM module imported the same
 * way, so the numbers say what our code and its dependencies cost on top of Node.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleFunctions } from '../infra/bundle-functions.ts';
import { FUNCTIONS, ROTATION_FUNCTIONS } from '../infra/function-catalog.ts';
import { type Metric, record } from './bench-kit.ts';

const RUNS = 3;

function importMillis(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      // What every function gets on Lambda that changes import-time behaviour (Powertools reads these).
      env: { ...process.env, AWS_REGION: 'eu-west-1', POWERTOOLS_SERVICE_NAME: 'bench', NODE_OPTIONS: '' },
    });
    if (run.status !== 0) throw new Error(`importing ${file} failed:\n${run.stderr}`);
    samples.push(Number(run.stdout));
  }
  samples.sort((a, b) => a - b);
  return Math.round((samples[Math.floor(RUNS / 2)] ?? 0) * 10) / 10;
}

// Every function synth bundles: the app's and the stateful stack's secret rotation.
const DEPLOYED = [...FUNCTIONS, ...ROTATION_FUNCTIONS];
const out = mkdtempSync(join(tmpdir(), 'sergas-bundles-'));
try {
  const { dirs, millis } = bundleFunctions(DEPLOYED, out);
  const empty = join(out, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const baseline = importMillis(empty);

  const rows = DEPLOYED.map((spec) => {
    const file = join(dirs.get(spec.id)!, 'index.mjs');
    return {
      id: spec.id,
      kb: Math.round(statSync(file).size / 102.4) / 10,
      gzipKb: Math.round(gzipSync(readFileSync(file)).length / 102.4) / 10,
      importMs: importMillis(file),
    };
  });
  const metrics: Metric[] = [
    { name: 'bundle_all_functions_ms', value: millis, unit: 'ms' },
    { name: 'import_empty_module_ms', value: baseline, unit: 'ms' },
    { name: 'bundle_kb_max', value: Math.max(...rows.map((r) => r.kb)), unit: 'KB' },
    { name: 'import_ms_max', value: Math.max(...rows.map((r) => r.importMs)), unit: 'ms' },
    ...rows.flatMap((r) => [
      { name: `bundle_kb:${r.id}`, value: r.kb, unit: 'KB' },
      { name: `bundle_gzip_kb:${r.id}`, value: r.gzipKb, unit: 'KB' },
      { name: `import_ms:${r.id}`, value: r.importMs, unit: 'ms' },
    ]),
  ];
  await record('bundle-size', { functions: DEPLOYED.length, runs_per_function: RUNS, minify: true }, metrics);
} finally {
  rmSync(out, { recursive: true, force: true });
}
