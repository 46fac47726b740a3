import type { Command } from 'commander';
import { startLocalApiServer } from '../../local/local-api-server.ts';
import { startLocalScheduler } from '../../local/local-scheduler.ts';
import { removeStackFile, runningStack, writeStackFile } from '../../local/local-stack.ts';
import type { Config } from '../../shared/config/config.ts';
import { AppError } from '../../shared/errors.ts';
import { listAccountSummaries } from '../../shared/use-cases/account-views.ts';
import { analyzeAccounts } from '../../shared/use-cases/analyze-accounts.ts';
import { keepNotificationChannel } from '../../shared/use-cases/keep-notification-channel.ts';
import { indexAccountFeatures } from '../../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../../shared/use-cases/sync-full.ts';
import { type CliContext, withContainer } from '../context.ts';
import { info, printJson, progressBar } from '../output.ts';
import { parseAsOf } from '../usage-error.ts';

export function startCommand(program: Command, context: CliContext): void {
  program
    .command('start')
    .description('start the local stack (API, web, scheduler, sandbox), sync, analyze, and serve the dashboard')
    .option('--reanalyze', 'analyze every account even if it already has a run')
    .action(async (options: { reanalyze?: boolean }) => {
      const config = context.config();
      const asOf = parseAsOf(context.options().asOf);
      const running = await runningStack(config.home);
      if (running) {
        throw new AppError(
          'STACK_RUNNING',
          `Sergas is already running for ${config.home} (pid ${running.pid}): ${running.apiUrl}`,
          {
            expose: true,
            status: 409,
          },
        );
      }
      await withContainer(
        context,
        async (deps) => {
          const api = await startLocalApiServer({ port: config.port });
          const publicUrl = config.publicUrl ?? api.url;
          // Links in approval messages and pages are built from the container's config; with no public URL
          // configured they point at the port this server actually got (SERGAS_PORT=0 picks a free one).
          deps.config.publicUrl ??= publicUrl;
          await writeStackFile(config.home, {
            pid: process.pid,
            apiUrl: publicUrl,
            sandboxUrl: deps.sandbox.url,
            ...(deps.sandbox.mcpUrl ? { mcpUrl: deps.sandbox.mcpUrl } : {}),
            databaseUrl: deps.databaseUrl,
            startedAt: new Date().toISOString(),
          });
          try {
            const recovered = (await deps.engine?.recover()) ?? [];
            if (recovered.length > 0) info(`resumed ${recovered.length} run(s) left unfinished`);

            // Zoho must be able to reach the webhook: the sandbox always can, a real Zoho only a public URL.
            const channel =
              deps.config.notificationToken && (config.crm.kind === 'sandbox' || config.publicUrl)
                ? { notifyUrl: `${publicUrl}/api/webhooks/zoho`, token: deps.config.notificationToken }
                : null;
            if (channel) {
              const kept = await keepNotificationChannel(deps, channel);
              info(`notification channel ${kept.channelId} ${kept.action}, live until ${kept.expiresAt.toISOString()}`);
            } else {
              info('no notification channel: set SERGAS_PUBLIC_URL and ZOHO_NOTIFICATION_TOKEN for real-time changes');
            }

            const syncBar = progressBar('syncing', 9);
            const seen = new Set<string>();
            const sync = await syncFull(deps, {
              onProgress: (event) => {
                seen.add(event.module);
                syncBar.update(seen.size);
              },
            });
            syncBar.update(9);
            syncBar.stop();
            info(
              `synced ${sync.counts.Accounts.fetched} accounts from ${deps.sandbox.url} in ${sync.apiCalls} API calls`,
            );
            // Every account's profile vector, so each analysis can find the accounts most like it.
            await indexAccountFeatures(deps);

            const accounts = await deps.copy.listAccounts();
            const latest = new Map((await deps.runs.latestPerAccount()).map((run) => [run.accountId, run]));
            const toAnalyze = accounts.filter((a) => options.reanalyze || !latest.has(a.id)).map((a) => a.id);
            if (toAnalyze.length > 0) {
              const bar = progressBar('analyzing', toAnalyze.length);
              await analyzeAccounts(
                deps,
                { accountIds: toAnalyze, asOf, requestedBy: 'sergas start', concurrency: 4 },
                () => bar.increment(),
              );
              bar.stop();
            }

            const { summary } = await listAccountSummaries(deps);
            const report = {
              dashboard_url: `${publicUrl}/`,
              api_url: `${publicUrl}/api/v1`,
              sandbox_url: deps.sandbox.url,
              accounts: summary.accounts,
              by_risk: summary.by_risk,
              pending_approvals: summary.pending_approvals,
            };
            if (context.options().json) printJson(report);
            else {
              process.stdout.write(
                `\nSergas is running.\n\n` +
                  `  accounts        ${summary.accounts}\n` +
                  Object.entries(summary.by_risk)
                    .map(([level, count]) => `    ${level.padEnd(12)}  ${count}\n`)
                    .join('') +
                  `  pending approvals ${summary.pending_approvals}\n\n` +
                  `  dashboard       ${publicUrl}/\n  Zoho sandbox    ${deps.sandbox.url}\n\n` +
                  signInHint(config.signIn, publicUrl) +
                  `\nPress Ctrl+C to stop.\n`,
              );
            }
            const scheduler = startLocalScheduler(deps, { timeZone: config.timeZone, channel });
            await new Promise<void>((resolve) => {
              for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
            });
            info('stopping…');
            scheduler.stop();
          } finally {
            await api.close();
            await removeStackFile(config.home);
          }
        },
        { serveDatabase: true, sandboxPort: config.sandboxPort },
      );
    });
}

/** How to sign in to the pages: paste a token `sergas user create` prints, or Cognito's e-mail and password. */
function signInHint(signIn: Config['signIn'], publicUrl: string): string {
  if (signIn.kind === 'cognito') {
    return `To sign in, open ${publicUrl}/sign-in with your e-mail and password in the Cognito user pool (app client ${signIn.clientId}).\n`;
  }
  return `To sign in, create yourself a user and paste its token at ${publicUrl}/sign-in:\n  npx sergas user create --admin\n`;
}
