import type { Command } from 'commander';
import { listPendingApprovals } from '../../shared/use-cases/account-views.ts';
import { decideApproval } from '../../shared/use-cases/decide-approval.ts';
import { type CliContext, withContainer } from '../context.ts';
import { printJson, printTable } from '../output.ts';
import { UsageError } from '../usage-error.ts';

export function approvalsCommands(program: Command, context: CliContext): void {
  const approvals = program.command('approvals').description('the approval queue');

  approvals
    .command('list')
    .description('pending approvals, oldest first')
    .action(async () => {
      await withContainer(context, async (deps) => {
        const result = await listPendingApprovals(deps);
        if (context.options().json) return printJson(result);
        if (result.approvals.length === 0) return void process.stdout.write('No pending approvals.\n');
        printTable(
          ['approval', 'account', 'owner', 'recommendation', 'priority', 'expires', 'action'],
          result.approvals.map((a) => [
            a.id,
            a.account.name,
            a.owner.name,
            a.recommendation.type,
            a.recommendation.priority,
            a.expires_at.slice(0, 16).replace('T', ' '),
            a.recommendation.action,
          ]),
        );
      });
    });

  const decide =
    (decision: 'approve' | 'reject') => async (approvalId: string, options: { reason?: string; as?: string }) => {
      if (decision === 'reject' && !options.reason?.trim()) throw new UsageError('reject: --reason is required');
      await withContainer(context, async (deps) => {
        const result = await decideApproval(deps, {
          approvalId,
          decision,
          by: options.as ?? context.actor(),
          channel: 'cli',
          reason: options.reason,
        });
        await deps.engine?.idle();
        const run = await deps.runs.get(result.runId);
        const output = { ...result, run_status: run?.status ?? null };
        if (context.options().json) printJson(output);
        else
          process.stdout.write(
            `${result.status} approval ${result.approvalId} (recommendation ${result.recommendationId}); run ${result.runId} is ${run?.status}\n`,
          );
      });
    };

  approvals
    .command('approve')
    .description('approve a recommendation; the run executes it in the CRM')
    .argument('<approval-id>')
    .option('--as <who>', 'who approves (default: cli:<your user name>)')
    .action(decide('approve'));

  approvals
    .command('reject')
    .description('reject a recommendation; nothing is written to the CRM')
    .argument('<approval-id>')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option('--as <who>', 'who rejects (default: cli:<your user name>)')
    .action(decide('reject'));
}
