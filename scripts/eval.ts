/**
 * The evaluation report over test/fixtures/scenarios: `node --import tsx scripts/eval.ts [--json] [--dir <dir>]`.
 * Prints precision and recall per signal type and per recommendation type; `--json` prints the summary as
 * one JSON document instead. Exits 0 when it could run (mismatches are reported, `npm test` gates them),
 * 1 when it could not, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { formatReport, runEval } from '../test/eval/eval-report.ts';

let values: { json?: boolean; dir?: string };
try {
  ({ values } = parseArgs({ options: { json: { type: 'boolean' }, dir: { type: 'string' } } }));
} catch (error) {
  console.error(`${(error as Error).message}\nusage: node --import tsx scripts/eval.ts [--json] [--dir <dir>]`);
  process.exit(2);
}

try {
  const summary = await runEval(values.dir ? { dir: values.dir } : {});
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatReport(summary));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
}
