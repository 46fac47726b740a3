import type { Command } from 'commander';
import { type AccountAnalysis, getAccountAnalysis } from '../../shared/use-cases/account-views.ts';
import { analyzeAccount, analyzeAccounts } from '../../shared/use-cases/analyze-accounts.ts';
import { type CliContext, withContainer } from '../context.ts';
import { info, printJson, printTable, progressBar } from '../output.ts';
import { parseAsOf, parsePositiveInt, UsageError } from '../usage-error.ts';

export function printAnalysis(analysis: AccountAnalysis): void {
  process.stdout.write(
    `${analysis.account_name} (${analysis.account_id}) — owner ${analysis.owner.name}\n` +
      `run ${analysis.run.id}: ${analysis.run.status} [${analysis.run.states.join(' → ')}]\n` +
      `risk ${analysis.risk_level} · health ${analysis.health?.score ?? '—'} (${analysis.health?.band ?? '—'}) · ` +
      `priority ${analysis.priority_score ?? '—'} · needs review: ${analysis.needs_review ? 'yes' : 'no'}\n\n`,
  );
  if (analysis.signals.length > 0) {
    printTable(
      ['signal', 'severity', 'detail'],
      analysis.signals.map((s) => [s.type, s.severity, s.detail]),
    );
    process.stdout.write('\n');
  }
  if (analysis.recommendations.length === 0) process.stdout.write('No recommendations.\n');
  else {
    printTable(
      ['recommendation', 'priority', 'confidence', 'status', 'approval', 'action'],
      analysis.recommendations.map((r) => [
        r.type,
        r.priority,
        r.confidence.toFixed(2),
        r.status,
        r.approval_id,
        r.action,
      ]),
    );
  }
}

export function analyzeCommands(program: Command, context: CliContext): void {
  program
    .command('analyze')
    .description('run the account-analysis workflow; returns at AwaitingApproval, Completed or Failed')
    .argument('<account-id>', 'the Zoho id of the account')
    .action(async (accountId: string) => {
      const asOf = parseAsOf(context.options().asOf);
      await withContainer(context, async (deps) => {
        const run = await analyzeAccount(deps, { accountId, asOf, requestedBy: context.actor() });
        const analysis = await getAccountAnalysis(deps, accountId, run.id);
        if (context.options().json) printJson(analysis);
        else printAnalysis(analysis);
        if (run.status === 'FAILED') process.exitCode = 1;
      });
    });

  const batch = program.command('batch').description('work on many accounts at once');
  batch
    .command('analyze')
    .description('analyze several accounts, all of them, or one owner’s')
    .argument('[account-ids...]', 'Zoho ids of accounts')
    .option('--all', 'every account')
    .option('--owner <owner-id>', 'every account of one owner')
    .option('--concurrency <n>', 'analyses at once', '4')
    .action(async (ids: string[], options: { all?: boolean; owner?: string; concurrency: string }) => {
      const chosen = [ids.length > 0, Boolean(options.all), Boolean(options.owner)].filter(Boolean).length;
      if (chosen !== 1)
        throw new UsageError('batch analyze: give account ids, or --all, or --owner <id> (exactly one)');
      const asOf = parseAsOf(context.options().asOf);
      const concurrency = parsePositiveInt('--concurrency', options.concurrency);
      await withContainer(context, async (deps) => {
        const accountIds =
          ids.length > 0
            ? ids
            : (await deps.copy.listAccounts(options.owner ? { ownerId: options.owner } : undefined)).map((a) => a.id);
        if (accountIds.length === 0)
          throw new UsageError(
            options.owner
              ? `--owner: no accounts for owner ${options.owner}`
              : 'no accounts: run `sergas sync --full` first',
          );
        const bar = progressBar('analyzing', accountIds.length);
        const results = await analyzeAccounts(
          deps,
          { accountIds, asOf, requestedBy: context.actor(), concurrency },
          () => bar.increment(),
        );
        bar.stop();
        const summary = {
          analyzed: results.length,
          failed: results
            .filter((r) => r.error || r.run?.status === 'FAILED')
            .map((r) => ({ account_id: r.accountId, error: r.error?.message ?? r.run?.error })),
          runs: results.map((r) => ({
            account_id: r.accountId,
            run_id: r.run?.id ?? null,
            status: r.run?.status ?? 'ERROR',
          })),
        };
        if (context.options().json) printJson(summary);
        else {
          const byStatus = Map.groupBy(summary.runs, (r) => r.status);
          info(
            `analyzed ${summary.analyzed} accounts: ${[...byStatus].map(([status, rows]) => `${rows.length} ${status}`).join(', ')}`,
          );
          for (const failure of summary.failed) info(`  failed ${failure.account_id}: ${failure.error}`);
        }
        if (summary.failed.length > 0) process.exitCode = 1;
      });
    });
}
