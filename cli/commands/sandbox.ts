import type { Command } from 'commander';
import { runningStack, startOfToday } from '../../local/local-stack.ts';
import { generateDemoOrg } from '../../local/zoho-sandbox/demo-org-generator.ts';
import {
  DEFAULT_SANDBOX_ADMIN_SECRET,
  type FaultChange,
  SANDBOX_ADMIN_HEADER,
} from '../../local/zoho-sandbox/sandbox-faults.ts';
import { EDITIONS, type Edition } from '../../local/zoho-sandbox/sandbox-limits.ts';
import { loadSandboxFile } from '../../local/zoho-sandbox/sandbox-org.ts';
import { DEFAULT_SANDBOX_CREDENTIALS, startSandboxServer } from '../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../local/zoho-sandbox/sandbox-store.ts';
import { AppError } from '../../shared/errors.ts';
import type { CliContext } from '../context.ts';
import { info, printJson } from '../output.ts';
import { parseAsOf, parsePositiveInt, UsageError } from '../usage-error.ts';

const countsOf = (store: SandboxStore) =>
  Object.fromEntries(
    (['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes', 'Stage_History'] as const).map((m) => [
      m,
      store.list(m).length,
    ]),
  );

export function sandboxCommands(program: Command, context: CliContext): void {
  const sandbox = program.command('sandbox').description('the local Zoho CRM stand-in');

  /** The running stack holds the sandbox in memory; replacing its file underneath it would be lost. */
  const openStore = async () => {
    const config = context.config();
    if (config.crm.kind !== 'sandbox')
      throw new UsageError('sandbox: ZOHO_* points at a real Zoho; unset it to use the sandbox');
    const running = await runningStack(config.home);
    if (running) {
      throw new AppError('STACK_RUNNING', `sergas start (pid ${running.pid}) is using ${config.home}; stop it first`, {
        expose: true,
        status: 409,
      });
    }
    return SandboxStore.open(config.crm.dataDir);
  };

  sandbox
    .command('load')
    .description('replace the sandbox org with the records in a file (CONTRACTS.md format)')
    .argument('<file>', 'a sandbox JSON file')
    .action(async (file: string) => {
      const org = await loadSandboxFile(file);
      const store = await openStore();
      await store.replace(org);
      if (context.options().json) printJson({ loaded: file, counts: countsOf(store) });
      else info(`sandbox replaced from ${file}: ${JSON.stringify(countsOf(store))}`);
    });

  sandbox
    .command('seed')
    .description('replace the sandbox org with a generated demo org (deterministic for a seed)')
    .option('--accounts <n>', 'how many accounts')
    .option('--seed <s>', 'the generator seed')
    .action(async (options: { accounts?: string; seed?: string }) => {
      const config = context.config();
      const accounts = options.accounts ? parsePositiveInt('--accounts', options.accounts) : config.demo.accounts;
      if (accounts < 1) throw new UsageError('--accounts: at least 1');
      const seed = options.seed ? parsePositiveInt('--seed', options.seed) : config.demo.seed;
      const asOf = parseAsOf(context.options().asOf) ?? startOfToday();
      const store = await openStore();
      await store.replace(generateDemoOrg({ accounts, seed, asOf }));
      if (context.options().json) printJson({ accounts, seed, as_of: asOf.toISOString(), counts: countsOf(store) });
      else
        info(
          `sandbox seeded (accounts ${accounts}, seed ${seed}, as of ${asOf.toISOString().slice(0, 10)}): ${JSON.stringify(countsOf(store))}`,
        );
    });

  sandbox
    .command('serve')
    .description("serve the sandbox's Zoho-compatible API on 127.0.0.1")
    .option('--port <n>', 'port (default SERGAS_SANDBOX_PORT, 4281)')
    .option('--edition <e>', `the org's edition, for its API limits: ${EDITIONS.join(', ')} (default enterprise)`)
    .option(
      '--admin-secret <s>',
      `what admin calls send in ${SANDBOX_ADMIN_HEADER} (default SERGAS_SANDBOX_ADMIN_SECRET or "${DEFAULT_SANDBOX_ADMIN_SECRET}")`,
    )
    .action(async (options: { port?: string; edition?: string; adminSecret?: string }) => {
      const config = context.config();
      const port = options.port ? parsePositiveInt('--port', options.port) : config.sandboxPort;
      if (options.edition !== undefined && !isEdition(options.edition)) {
        throw new UsageError(`--edition: "${options.edition}" is not one of ${EDITIONS.join(', ')}`);
      }
      const edition = options.edition;
      const store = await openStore();
      if (store.list('Accounts').length === 0) {
        await store.replace(
          generateDemoOrg({ accounts: config.demo.accounts, seed: config.demo.seed, asOf: startOfToday() }),
        );
      }
      const server = await startSandboxServer({
        store,
        port,
        adminSecret: adminSecretOf(options.adminSecret),
        ...(edition ? { limits: { edition } } : {}),
      });
      const credentials = { accounts_url: server.url, api_domain: server.url, ...DEFAULT_SANDBOX_CREDENTIALS };
      if (context.options().json) printJson(credentials);
      else
        info(
          `Zoho sandbox on ${server.url} — client id ${credentials.clientId}, secret ${credentials.clientSecret}, refresh token ${credentials.refreshToken}`,
        );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await server.close();
    });

  sandbox
    .command('faults')
    .description('show or change the faults the running sandbox injects (latency, errors, 429s, outages)')
    .option('--latency <ms>', 'delay every CRM call by this many milliseconds (0 for none)')
    .option('--error-rate <r>', 'fail this share of CRM calls, 0 to 1, with 500 INTERNAL_ERROR')
    .option('--rate-limit-storm <on|off>', 'answer every CRM call with 429 TOO_MANY_REQUESTS')
    .option('--rest-outage <on|off>', 'answer the REST API with 503')
    .option('--mcp-outage <on|off>', 'answer the MCP endpoint with 503')
    .option('--bulk-outage <on|off>', 'answer the Bulk Read API with 503 (full syncs fall back to paging)')
    .option('--expire-tokens', 'expire every access token issued so far (each answers 401 INVALID_TOKEN)')
    .option('--clear', 'remove every fault first')
    .option('--url <url>', "the sandbox's URL (default: the one `sergas start` runs)")
    .option(
      '--admin-secret <s>',
      `the admin secret (default SERGAS_SANDBOX_ADMIN_SECRET or "${DEFAULT_SANDBOX_ADMIN_SECRET}")`,
    )
    .action(async (options: FaultOptions) => {
      const change = faultChangeOf(options);
      const url = options.url ?? (await runningStack(context.config().home))?.sandboxUrl;
      if (!url) {
        throw new AppError('NO_SANDBOX', 'no sandbox is running: start one with `sergas start`, or pass --url', {
          expose: true,
          status: 503,
        });
      }
      const endpoint = `${url.replace(/\/+$/, '')}/sandbox/admin/faults`;
      const headers = {
        [SANDBOX_ADMIN_HEADER]: adminSecretOf(options.adminSecret),
        'content-type': 'application/json',
      };
      let response: Response;
      try {
        response =
          Object.keys(change).length === 0
            ? await fetch(endpoint, { headers })
            : await fetch(endpoint, { method: 'PUT', headers, body: JSON.stringify(change) });
      } catch (error) {
        throw new AppError('NO_SANDBOX', `no sandbox answers at ${url}: ${(error as Error).message}`, {
          expose: true,
          status: 503,
        });
      }
      const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      if (!response.ok) {
        const message = typeof body?.message === 'string' ? body.message : `HTTP ${response.status}`;
        throw new AppError('SANDBOX_ADMIN', `sandbox at ${url} refused: ${message}`, { expose: true, status: 502 });
      }
      if (context.options().json) printJson(body);
      else info(`sandbox faults at ${url}: ${JSON.stringify(body)}`);
    });
}

interface FaultOptions {
  latency?: string;
  errorRate?: string;
  rateLimitStorm?: string;
  restOutage?: string;
  mcpOutage?: string;
  bulkOutage?: string;
  expireTokens?: boolean;
  clear?: boolean;
  url?: string;
  adminSecret?: string;
}

const isEdition = (value: string): value is Edition => (EDITIONS as readonly string[]).includes(value);

/** The admin secret: the option, else SERGAS_SANDBOX_ADMIN_SECRET, else the documented default. */
const adminSecretOf = (option: string | undefined) =>
  option ?? process.env.SERGAS_SANDBOX_ADMIN_SECRET ?? DEFAULT_SANDBOX_ADMIN_SECRET;

function onOff(name: string, value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`${name}: "${value}" is not on or off`);
}

/** The change the options ask for; checked here so a bad value names its option before any call is made. */
function faultChangeOf(options: FaultOptions): FaultChange {
  const change: FaultChange = {};
  if (options.clear) change.clear = true;
  if (options.latency !== undefined) change.latencyMs = parsePositiveInt('--latency', options.latency);
  if (options.errorRate !== undefined) {
    const rate = Number(options.errorRate);
    if (options.errorRate.trim() === '' || !(rate >= 0 && rate <= 1)) {
      throw new UsageError(`--error-rate: "${options.errorRate}" is not a number from 0 to 1`);
    }
    change.errorRate = rate;
  }
  if (options.rateLimitStorm !== undefined) change.rateLimitStorm = onOff('--rate-limit-storm', options.rateLimitStorm);
  if (options.restOutage !== undefined) change.restOutage = onOff('--rest-outage', options.restOutage);
  if (options.mcpOutage !== undefined) change.mcpOutage = onOff('--mcp-outage', options.mcpOutage);
  if (options.bulkOutage !== undefined) change.bulkOutage = onOff('--bulk-outage', options.bulkOutage);
  if (options.expireTokens) change.expireTokensEarly = true;
  return change;
}
