import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { migrate } from '../shared/adapters/db/migrate.ts';
import { PgDb } from '../shared/adapters/db/pg-db.ts';
import { PgliteDb } from '../shared/adapters/db/pglite-db.ts';
import type { Config } from '../shared/config/config.ts';
import { AppError } from '../shared/errors.ts';
import type { Db } from '../shared/ports/db.ts';
import { assembleContainer, type Container, openCache, type ZohoConnection } from '../shared/runtime/container.ts';
import { useContainer } from '../shared/runtime/current-container.ts';
import { localTaskHandlers } from './workflow/local-task-handlers.ts';
import { LocalWorkflowEngine } from './workflow/local-workflow-engine.ts';
import { WorkflowStore } from './workflow/workflow-store.ts';
import { generateDemoOrg } from './zoho-sandbox/demo-org-generator.ts';
import { DEFAULT_SANDBOX_CREDENTIALS, type SandboxServer, startSandboxServer } from './zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from './zoho-sandbox/sandbox-store.ts';

/** Written by `sergas start` so other `sergas` processes use its database and sandbox instead of opening their own. */
export interface StackFile {
  pid: number;
  apiUrl: string;
  sandboxUrl: string;
  /** The sandbox's MCP endpoint; absent in stack files written before it had one. */
  mcpUrl?: string;
  databaseUrl: string | null;
  startedAt: string;
}

export class HomeInUseError extends AppError {
  constructor(home: string, pid: number) {
    super('HOME_IN_USE', `${home} is in use by another sergas process (pid ${pid}); wait for it, or set SERGAS_HOME`, {
      expose: true,
      status: 409,
    });
  }
}

export interface LocalContainer extends Container {
  engine: LocalWorkflowEngine | null;
  /** `mcpUrl` is the CRM's MCP endpoint, when there is one. */
  sandbox: { url: string; mcpUrl: string | null; store: SandboxStore | null };
  /** The embedded database, when this process owns it. */
  pglite: PgliteDb | null;
  /** Where other processes reach the embedded database, when this process serves it. */
  databaseUrl: string | null;
}

const stackPath = (home: string) => join(home, 'stack.json');
const lockPath = (home: string) => join(home, 'pgdata.lock');

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The running `sergas start` of this home, if any. */
export async function runningStack(home: string): Promise<StackFile | null> {
  try {
    const stack = JSON.parse(await readFile(stackPath(home), 'utf8')) as StackFile;
    return isAlive(stack.pid) && stack.pid !== process.pid ? stack : null;
  } catch {
    return null;
  }
}

export async function writeStackFile(home: string, stack: StackFile): Promise<void> {
  await writeFile(stackPath(home), JSON.stringify(stack, null, 2));
}

export async function removeStackFile(home: string): Promise<void> {
  await rm(stackPath(home), { force: true });
}

/** PGlite's data directory is single-process: a lock file with our pid keeps a second process out. */
async function lockHome(home: string): Promise<() => Promise<void>> {
  const path = lockPath(home);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(path, 'utf8').catch(() => '0'));
      if (holder && holder !== process.pid && isAlive(holder)) throw new HomeInUseError(home, holder);
      await rm(path, { force: true });
    }
  }
  throw new HomeInUseError(home, 0);
}

/**
 * The token the sandbox's notification channel echoes to our webhook: ZOHO_NOTIFICATION_TOKEN when set,
 * else one generated on first start and kept (owner-only) in the home, so every local process agrees on it.
 */
export async function localNotificationToken(config: Config): Promise<string> {
  if (config.notificationToken) return config.notificationToken;
  const path = join(config.home, 'zoho-notification-token');
  const token = randomBytes(24).toString('base64url');
  try {
    await writeFile(path, token, { flag: 'wx', mode: 0o600 });
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(path, 'utf8')).trim();
  }
}

/** Fills an empty sandbox with the demo org, so the product shows something real on first run. */
export async function seedSandboxIfEmpty(store: SandboxStore, config: Config, asOf: Date): Promise<boolean> {
  if (store.list('Accounts').length > 0) return false;
  await store.replace(generateDemoOrg({ accounts: config.demo.accounts, seed: config.demo.seed, asOf }));
  return true;
}

export interface OpenOptions {
  /** Serve the embedded database to other processes (for `sergas start`). */
  serveDatabase?: boolean;
  /** Port of the sandbox when this process starts it; 0 picks a free one. */
  sandboxPort?: number;
  /** "Now" for a demo org generated on first run. */
  demoAsOf?: Date;
}

/**
 * The local composition: the same container as on AWS, with PGlite (or the running stack's database),
 * the Zoho sandbox (or a real Zoho when ZOHO_* is set) and the local Step Functions runner.
 */
export async function openLocalContainer(config: Config, options: OpenOptions = {}): Promise<LocalContainer> {
  await mkdir(config.home, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const attached = config.database.kind === 'pglite' ? await runningStack(config.home) : null;

  let db: Db;
  let pglite: PgliteDb | null = null;
  let databaseUrl: string | null = null;
  if (config.database.kind === 'postgres') {
    db = PgDb.connect(config.database.url);
  } else if (attached?.databaseUrl) {
    db = PgDb.connect(attached.databaseUrl, { max: 3, protocol: 'simple' });
  } else {
    cleanups.push(await lockHome(config.home));
    pglite = await PgliteDb.open(config.database.dataDir);
    db = pglite;
    if (options.serveDatabase) {
      const socket = new PGLiteSocketServer({ db: pglite.pglite, host: '127.0.0.1', port: 0, maxConnections: 16 });
      await socket.start();
      // This process goes through the socket too: the socket server keeps each connection's transaction whole.
      databaseUrl = `postgresql://postgres:postgres@${socket.getServerConn()}/postgres`;
      db = PgDb.connect(databaseUrl, { max: 4, protocol: 'simple' });
      cleanups.unshift(async () => {
        await socket.stop();
      });
    }
  }
  await migrate(db);

  let zoho: ZohoConnection;
  let sandbox: LocalContainer['sandbox'];
  if (config.crm.kind === 'zoho') {
    zoho = config.crm;
    sandbox = { url: config.crm.apiDomain ?? config.crm.accountsUrl, mcpUrl: config.crm.mcpUrl, store: null };
  } else if (attached) {
    const mcpUrl = attached.mcpUrl ?? null;
    zoho = { accountsUrl: attached.sandboxUrl, apiDomain: attached.sandboxUrl, mcpUrl, ...DEFAULT_SANDBOX_CREDENTIALS };
    sandbox = { url: attached.sandboxUrl, mcpUrl, store: null };
    // Links this process writes (approval messages) point at the running stack's server.
    config = { ...config, publicUrl: config.publicUrl ?? attached.apiUrl };
  } else {
    const store = await SandboxStore.open(config.crm.dataDir);
    await seedSandboxIfEmpty(store, config, options.demoAsOf ?? startOfToday());
    const server: SandboxServer = await startSandboxServer({ store, port: options.sandboxPort ?? 0 });
    cleanups.unshift(async () => {
      await server.close();
      await store.flush();
    });
    zoho = {
      accountsUrl: server.url,
      apiDomain: server.url,
      mcpUrl: server.mcpUrl,
      ...DEFAULT_SANDBOX_CREDENTIALS,
    };
    sandbox = { url: server.url, mcpUrl: server.mcpUrl, store };
  }

  let engine: LocalWorkflowEngine | null = null;
  const container = assembleContainer({
    // Against the sandbox the webhook always has a token; a real Zoho needs ZOHO_NOTIFICATION_TOKEN.
    config:
      config.crm.kind === 'sandbox' ? { ...config, notificationToken: await localNotificationToken(config) } : config,
    db,
    // Through the socket `db` is a PgDb, but behind it is still our PGlite, which loads pgvector.
    databaseHasPgvector: config.database.kind === 'pglite',
    cache: openCache(config),
    zoho,
    workflow: () => {
      engine = new LocalWorkflowEngine({
        store: new WorkflowStore(db),
        definitions: {
          'account-analysis': new URL('../statemachines/account-analysis.asl.json', import.meta.url),
          'batch-analysis': new URL('../statemachines/batch-analysis.asl.json', import.meta.url),
        },
        handlers: localTaskHandlers(),
      });
      return engine;
    },
    onClose: async () => {
      await engine?.idle();
      engine?.stop();
      await db.close();
      for (const cleanup of cleanups) await cleanup();
      await pglite?.close();
    },
  });
  const local: LocalContainer = { ...container, engine, sandbox, pglite, databaseUrl };
  useContainer(local);
  return local;
}

export function startOfToday(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
