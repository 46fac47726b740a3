import type { Command } from 'commander';
import { runningStack, startOfToday } from '../../local/local-stack.ts';
import { generateDemoOrg } from '../../local/zoho-sandbox/demo-org-generator.ts';
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
    .action(async (options: { port?: string }) => {
      const config = context.config();
      const port = options.port ? parsePositiveInt('--port', options.port) : config.sandboxPort;
      const store = await openStore();
      if (store.list('Accounts').length === 0) {
        await store.replace(
          generateDemoOrg({ accounts: config.demo.accounts, seed: config.demo.seed, asOf: startOfToday() }),
        );
      }
      const server = await startSandboxServer({ store, port });
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
}
