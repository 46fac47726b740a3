/** `npm run bench` runs every benchmark; `npm run bench -- <name>` one of them. Each in its own process. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const wanted = process.argv.slice(2);
const benches = readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name));
if (benches.length === 0) {
  process.stderr.write(`no benchmark named ${wanted.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of benches) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL(`./${name}.bench.ts`, import.meta.url).pathname],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
