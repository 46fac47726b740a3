/**
 * The full sync against the sandbox over HTTP, on PGlite and on the real Postgres, next to a naive
 * baseline measured in the same run: the same paginated listing, but every record written with its own
 * INSERT … ON CONFLICT and no hash check, so its repeat sync rewrites everything. Each is run twice to
 * show what a repeat sync costs. `BENCH_ACCOUNTS=2000,10000` picks the org sizes and
 * `BENCH_DATABASES=postgres` the databases (a 10,000-account run on both takes a quarter of an hour).
 */
import { generateDemoOrg } from '../local/zoho-sandbox/demo-org-generator.ts';
import { migrate } from '../shared/adapters/db/migrate.ts';
import { PgliteDb } from '../shared/adapters/db/pglite-db.ts';
import { SqlCrmCopy } from '../shared/adapters/db/sql-crm-copy.ts';
import { defaultDomainRules } from '../shared/domain/domain-rules.ts';
import { ZOHO_FIELDS } from '../shared/domain/zoho-mapping.ts';
import type { CrmClient, CrmModule } from '../shared/ports/crm-client.ts';
import type { Db } from '../shared/ports/db.ts';
import { pageThrough } from '../shared/use-cases/sync/page-through.ts';
import { openStageTest, syncFull } from '../shared/use-cases/sync-full.ts';
import { startSandbox } from '../test/integration/zoho/sandbox-harness.ts';
import { freshPostgres } from '../test/support/databases.ts';
import { type Metric, record, timed } from './bench-kit.ts';

const SIZES = (process.env.BENCH_ACCOUNTS ?? '2000').split(',').map(Number);
const AS_OF = new Date('2026-11-24T02:00:00Z');
const MODULES: readonly CrmModule[] = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes'];
const isOpen = openStageTest(defaultDomainRules);

interface Database {
  db: Db;
  drop(): Promise<void>;
}

const allDatabases: [string, () => Promise<Database>][] = [
  [
    'pglite',
    async () => {
      const db = await PgliteDb.open();
      await migrate(db);
      return { db, drop: () => db.close() };
    },
  ],
  ['postgres', freshPostgres],
];
const wantedDatabases = process.env.BENCH_DATABASES?.split(',');
const databases = allDatabases.filter(([name]) => !wantedDatabases || wantedDatabases.includes(name));

/** The baseline: page through every module and write each record on its own, unconditionally. */
async function naiveSync(crm: CrmClient, db: Db): Promise<{ records: number; written: number }> {
  let records = 0;
  const write = async (module: string, raw: { id: string }) => {
    await db.query(
      `INSERT INTO naive_copy (module, id, raw) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (module, id) DO UPDATE SET raw = EXCLUDED.raw`,
      [module, raw.id, JSON.stringify(raw)],
    );
    records += 1;
  };
  for (const user of await crm.listUsers()) await write('users', user);
  const openDeals: string[] = [];
  for (const module of MODULES) {
    await pageThrough(crm, module, ZOHO_FIELDS[module], async (page) => {
      for (const raw of page) {
        await write(module, raw);
        if (module === 'Deals' && isOpen(String(raw.Stage))) openDeals.push(raw.id);
      }
    });
  }
  for (const dealId of openDeals) {
    const history = await crm.relatedRecords('Deals', dealId, 'Stage_History', ZOHO_FIELDS.Stage_History);
    for (const entry of history) await write('Stage_History', entry);
  }
  return { records, written: records };
}

const allResults: { accounts: number; database: string; metrics: Metric[] }[] = [];
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

for (const accounts of SIZES) {
  const org = generateDemoOrg({ accounts, seed: 1, asOf: AS_OF });
  const sandbox = await startSandbox(org);
  try {
    for (const [name, open] of databases) {
      const database = await open();
      const metrics: Metric[] = [];
      peakRss = 0;
      try {
        const deps = { crm: sandbox.client().client, copy: new SqlCrmCopy(database.db), clock: { now: () => AS_OF } };
        const first = await timed(() => syncFull(deps));
        sampleRss();
        const second = await timed(() => syncFull(deps));
        sampleRss();
        const records = Object.values(first.value.counts).reduce((n, c) => n + c.fetched, 0);
        const written = Object.values(second.value.counts).reduce((n, c) => n + c.inserted + c.updated, 0);

        await database.db.query(
          'CREATE TABLE naive_copy (module text NOT NULL, id text NOT NULL, raw jsonb NOT NULL, PRIMARY KEY (module, id))',
        );
        const crm = sandbox.client().client;
        const naiveFirst = await timed(() => naiveSync(crm, database.db));
        sampleRss();
        const callsAfterFirst = crm.apiCalls;
        const naiveSecond = await timed(() => naiveSync(crm, database.db));
        sampleRss();

        const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);
        metrics.push(
          { name: 'records', value: records, unit: 'records' },
          { name: 'full_sync_records_per_s', value: perSecond(records, first.ms), unit: 'records/s' },
          {
            name: 'naive_sync_records_per_s',
            value: perSecond(naiveFirst.value.records, naiveFirst.ms),
            unit: 'records/s',
          },
          { name: 'full_sync_api_calls', value: first.value.apiCalls, unit: 'calls' },
          { name: 'naive_sync_api_calls', value: callsAfterFirst, unit: 'calls' },
          { name: 'repeat_sync_records_per_s', value: perSecond(records, second.ms), unit: 'records/s' },
          {
            name: 'naive_repeat_sync_records_per_s',
            value: perSecond(naiveSecond.value.records, naiveSecond.ms),
            unit: 'records/s',
          },
          { name: 'repeat_sync_api_calls', value: second.value.apiCalls, unit: 'calls' },
          { name: 'naive_repeat_sync_api_calls', value: crm.apiCalls - callsAfterFirst, unit: 'calls' },
          { name: 'repeat_sync_rows_written', value: written, unit: 'rows' },
          { name: 'naive_repeat_sync_rows_written', value: naiveSecond.value.written, unit: 'rows' },
          { name: 'full_sync_ms', value: Math.round(first.ms), unit: 'ms' },
          { name: 'naive_sync_ms', value: Math.round(naiveFirst.ms), unit: 'ms' },
          { name: 'peak_rss_mb', value: Math.round(peakRss / 2 ** 20), unit: 'MB' },
        );
      } finally {
        await database.drop();
      }
      allResults.push({ accounts, database: name, metrics });
    }
  } finally {
    await sandbox.close();
  }
}

await record(
  'full-sync',
  { accounts: SIZES, databases: databases.map(([name]) => name), crm: 'sandbox over HTTP' },
  allResults.flatMap(({ accounts, database, metrics }) =>
    metrics.map((m) => ({ ...m, name: `${database}_${accounts}_${m.name}` })),
  ),
);
