/**
 * The local loop's throughput on the embedded stack: a full sync of a generated org (and the repeat
 * sync, which should write nothing), then analysing every account through the local Step Functions
 * runner, sequentially and 4 at a time (the baseline and what `sergas start` uses).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalContainer } from '../local/local-stack.ts';
import { loadConfig } from '../shared/config/config.ts';
import { analyzeAccounts } from '../shared/use-cases/analyze-accounts.ts';
import { syncFull } from '../shared/use-cases/sync-full.ts';
import { record, timed } from './bench-kit.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 60);
const AS_OF = new Date('2026-11-24T00:00:00Z');

const home = await mkdtemp(join(tmpdir(), 'sergas-bench-'));
try {
  const deps = await openLocalContainer(loadConfig({ SERGAS_HOME: home, SERGAS_DEMO_ACCOUNTS: String(ACCOUNTS) }), {
    demoAsOf: AS_OF,
  });
  const first = await timed(() => syncFull(deps));
  const second = await timed(() => syncFull(deps));
  const written = Object.values(second.value.counts).reduce((n, c) => n + c.inserted + c.updated, 0);
  const ids = (await deps.copy.listAccounts()).map((a) => a.id);
  const half = Math.floor(ids.length / 2);
  const sequential = await timed(() =>
    analyzeAccounts(deps, { accountIds: ids.slice(0, half), asOf: AS_OF, requestedBy: 'bench', concurrency: 1 }),
  );
  const parallel = await timed(() =>
    analyzeAccounts(deps, { accountIds: ids.slice(half), asOf: AS_OF, requestedBy: 'bench', concurrency: 4 }),
  );
  const rss = process.memoryUsage().rss;
  await deps.close();
  await record('analysis-loop', { accounts: ACCOUNTS, database: 'pglite', crm: 'sandbox over HTTP' }, [
    { name: 'full_sync_ms', value: Math.round(first.ms), unit: 'ms' },
    { name: 'full_sync_api_calls', value: first.value.apiCalls, unit: 'calls' },
    { name: 'repeat_sync_ms', value: Math.round(second.ms), unit: 'ms' },
    { name: 'repeat_sync_rows_written', value: written, unit: 'rows' },
    {
      name: 'analysis_sequential_accounts_per_hour',
      value: Math.round((half / sequential.ms) * 3_600_000),
      unit: 'accounts/h',
    },
    {
      name: 'analysis_4_parallel_accounts_per_hour',
      value: Math.round(((ids.length - half) / parallel.ms) * 3_600_000),
      unit: 'accounts/h',
    },
    { name: 'rss_mb', value: Math.round(rss / 2 ** 20), unit: 'MB' },
  ]);
} finally {
  await rm(home, { recursive: true, force: true });
}
