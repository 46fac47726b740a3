import type { Command } from 'commander';
import { showRun } from '../../shared/use-cases/account-views.ts';
import { type CliContext, withContainer } from '../context.ts';
import { printJson, printTable } from '../output.ts';

export function runsCommands(program: Command, context: CliContext): void {
  const runs = program.command('runs').description('analysis runs');
  runs
    .command('show')
    .description('the state history of a run, like the Step Functions console')
    .argument('<run-id>')
    .action(async (runId: string) => {
      await withContainer(context, async (deps) => {
        const run = await showRun(deps, runId);
        const audit = await deps.audit.list({ runId });
        if (context.options().json) return printJson({ ...run, audit });
        process.stdout.write(
          `run ${run.id} · account ${run.account_id} · ${run.status}\nas of ${run.as_of} · requested by ${run.requested_by ?? '—'}\n` +
            `${run.states.join(' → ')}\n${run.error ? `error: ${run.error}\n` : ''}\n`,
        );
        printTable(
          ['state', 'status', 'started', 'duration'],
          run.history.map((step) => [
            step.state,
            step.status,
            step.started_at.slice(11, 23),
            step.duration_ms === null ? '…' : `${step.duration_ms} ms`,
          ]),
        );
        process.stdout.write('\naudit trail\n');
        printTable(
          ['when', 'who', 'action', 'resource'],
          audit.map((entry) => [
            entry.createdAt.toISOString().slice(0, 19).replace('T', ' '),
            entry.userId ?? entry.agentId,
            entry.action,
            `${entry.resourceType} ${entry.resourceId}`,
          ]),
        );
      });
    });
}
