import type { Command } from 'commander';
import { type AccountAnalysis, getAccountAnalysis } from '../../shared/use-cases/account-views.ts';
import { analyzeAccount } from '../../shared/use-cases/analyze-accounts.ts';
import { analyzeBatch, BATCH_ID_PATTERN, newBatchId } from '../../shared/use-cases/batch-analysis.ts';
import { type CliContext, withContainer } from '../context.ts';
import { info, printJson, printTable, progressBar } from '../output.ts';
import { parseAsOf, UsageError } from '../usage-error.ts';

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
    .description(
      'analyze several accounts, all of them, or one owner’s through the batch-analysis workflow; ' +
        'the same --batch-id again starts nothing twice',
    )
    .argument('[account-ids...]', 'Zoho ids of accounts')
    .option('--all', 'every account')
    .option('--owner <owner-id>', 'every account of one owner')
    .option('--batch-id <id>', 'name the batch (1–40 letters, digits, - or _); re-run with it to finish a batch')
    .action(async (ids: string[], options: { all?: boolean; owner?: string; batchId?: string }) => {
      const chosen = [ids.length > 0, Boolean(options.all), Boolean(options.owner)].filter(Boolean).length;
      if (chosen !== 1)
        throw new UsageError('batch analyze: give account ids, or --all, or --owner <id> (exactly one)');
      if (options.batchId !== undefined && !BATCH_ID_PATTERN.test(options.batchId))
        throw new UsageError(`--batch-id: "${options.batchId}" must be 1–40 letters, digits, "-" or "_"`);
      const asOf = parseAsOf(context.options().asOf);
      await withContainer(context, async (deps) => {
        const accountIds =
          ids.length > 0
            ? [...new Set(ids)]
            : (await deps.copy.listAccounts(options.owner ? { ownerId: options.owner } : undefined)).map((a) => a.id);
        if (accountIds.length === 0)
          throw new UsageError(
            options.owner
              ? `--owner: no accounts for owner ${options.owner}`
              : 'no accounts: run `sergas sync --full` first',
          );
        const batchId = options.batchId ?? newBatchId(deps.clock.now());
        if (!context.options().json) info(`batch ${batchId}: ${accountIds.length} accounts`);
        const bar = progressBar('analyzing', accountIds.length);
        const result = await analyzeBatch(
          deps,
          { batchId, accountIds, asOf: asOf ?? deps.clock.now(), requestedBy: context.actor() },
          () => bar.increment(),
        );
        bar.stop();
        const runs = result.runs.map((r) => ({
          account_id: r.accountId,
          run_id: r.runId,
          outcome: r.outcome,
          status: r.run?.status ?? 'NOT_STARTED',
          error: r.run?.error ? `${r.run.error}${r.run.errorCause ? `: ${r.run.errorCause}` : ''}` : null,
        }));
        const failed = [
          ...result.summary.failed.map((f) => ({ account_id: f.accountId, error: `not started: ${f.error}` })),
          ...runs.filter((r) => r.status === 'FAILED').map((r) => ({ account_id: r.account_id, error: r.error })),
        ];
        const summary = {
          batch_id: result.batchId,
          execution_id: result.executionId,
          accounts: result.summary.accounts,
          started: result.summary.started,
          already_started: result.summary.alreadyStarted,
          failed,
          runs,
        };
        if (context.options().json) printJson(summary);
        else {
          const byStatus = Map.groupBy(runs, (r) => r.status);
          info(
            `batch ${summary.batch_id}: started ${summary.started}, already started ${summary.already_started}, ` +
              `could not start ${result.summary.failed.length} · ` +
              [...byStatus].map(([status, rows]) => `${rows.length} ${status}`).join(', '),
          );
          printTable(
            ['account', 'run', 'outcome', 'status'],
            runs.map((r) => [r.account_id, r.run_id, r.outcome, r.status]),
          );
          for (const failure of failed) info(`  failed ${failure.account_id}: ${failure.error}`);
        }
        if (failed.length > 0) process.exitCode = 1;
      });
    });
}
