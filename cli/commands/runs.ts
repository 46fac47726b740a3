import type { Command } from 'commander';
import { showRun } from '../../shared/use-cases/account-views.ts';
import { type CliContext, withContainer } from '../context.ts';
import { printJson, printTable } from '../output.ts';

/** 850 ms, 12.4 s, 3 min 5 s, 26 h 40 min: a wait for an approval can last days. */
export function durationText(ms: number | null): string {
  if (ms === null) return '…';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

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
          `run ${run.id} · account ${run.account_name ? `${run.account_name} (${run.account_id})` : run.account_id} · ${run.status}\nas of ${run.as_of} · requested by ${run.requested_by ?? '—'}\n` +
            `${run.states.join(' → ')}\n` +
            `${run.error ? `error: ${run.error}${run.cause ? ` — ${run.cause}` : ''}\n` : ''}\n`,
        );
        process.stdout.write('run statuses\n');
        printTable(
          ['status', 'started', 'ended', 'duration'],
          run.timings.map((timing) => [
            timing.state,
            timing.started_at.replace('T', ' ').slice(0, 23),
            timing.ended_at?.replace('T', ' ').slice(0, 23) ?? '…',
            durationText(timing.duration_ms),
          ]),
        );
        process.stdout.write('\nstate history\n');
        printTable(
          ['state', 'status', 'started', 'duration'],
          run.history.map((step) => [
            step.state,
            step.status,
            step.started_at.slice(11, 23),
            durationText(step.duration_ms),
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
