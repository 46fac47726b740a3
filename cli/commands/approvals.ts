import type { Command } from 'commander';
import { DraftEditsBody } from '../../shared/api/schemas.ts';
import { type DraftEdits, hasEdits } from '../../shared/domain/approval-policy.ts';
import { AppError } from '../../shared/errors.ts';
import { listPendingApprovals } from '../../shared/use-cases/account-views.ts';
import { DEFER_DAYS, decideApproval, deferApproval } from '../../shared/use-cases/decide-approval.ts';
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

  const afterDecision = async (deps: Parameters<Parameters<typeof withContainer>[1]>[0], runId: string) => {
    await deps.engine?.idle();
    return (await deps.runs.get(runId))?.status ?? null;
  };

  approvals
    .command('approve')
    .description('approve one or more recommendations (each on its own); the run executes each in the CRM')
    .argument('<approval-ids...>')
    .option('--edit-subject <text>', 'approve with this subject (e-mail or task draft)')
    .option('--edit-body <text>', 'approve with this e-mail body')
    .option('--edit-description <text>', 'approve with this task description')
    .option('--edit-due-date <YYYY-MM-DD>', 'approve with this task due date')
    .option('--edit-value <value>', 'approve a field update with this new value')
    .option(
      '--edits <json>',
      'approve with these edits: {"subject","body","description","dueDate","title","content","value"}',
    )
    .option('--as <who>', 'who approves (default: cli:<your user name>)')
    .action(async (approvalIds: string[], options: ApproveOptions) => {
      const edits = editsFrom(options);
      if (edits && approvalIds.length > 1) throw new UsageError('approve: edits apply to one approval at a time');
      const by = options.as ?? context.actor();
      await withContainer(context, async (deps) => {
        const results: Record<string, unknown>[] = [];
        let failed = 0;
        for (const approvalId of approvalIds) {
          try {
            const result = await decideApproval(deps, {
              approvalId,
              decision: edits ? 'approve_with_edits' : 'approve',
              by,
              channel: 'cli',
              ...(edits ? { edits } : {}),
            });
            results.push({ ok: true, ...result, run_status: await afterDecision(deps, result.runId) });
          } catch (error) {
            // One approval alone: its error is the command's (exit code by kind). Several: each is reported.
            if (approvalIds.length === 1 || !(error instanceof AppError) || !error.expose) throw error;
            failed += 1;
            results.push({
              ok: false,
              approvalId,
              status: error.status,
              error: { code: error.code, message: error.message },
            });
          }
        }
        if (context.options().json) printJson(approvalIds.length === 1 ? results[0] : { results, failed });
        else
          for (const r of results)
            process.stdout.write(
              r.ok
                ? `${String(r.status)} approval ${String(r.approvalId)}${r.edited ? ' with edits' : ''} (recommendation ${String(r.recommendationId)}); run ${String(r.runId)} is ${String(r.run_status)}\n`
                : `${String(r.status)} approval ${String(r.approvalId)}: ${String((r.error as { message: string }).message)}\n`,
            );
        if (failed > 0) process.exitCode = 1;
      });
    });

  approvals
    .command('reject')
    .description('reject a recommendation; nothing is written to the CRM')
    .argument('<approval-id>')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option('--as <who>', 'who rejects (default: cli:<your user name>)')
    .action(async (approvalId: string, options: { reason?: string; as?: string }) => {
      if (!options.reason?.trim()) throw new UsageError('reject: --reason is required');
      await withContainer(context, async (deps) => {
        const result = await decideApproval(deps, {
          approvalId,
          decision: 'reject',
          by: options.as ?? context.actor(),
          channel: 'cli',
          reason: options.reason,
        });
        const output = { ...result, run_status: await afterDecision(deps, result.runId) };
        if (context.options().json) printJson(output);
        else
          process.stdout.write(
            `rejected approval ${result.approvalId} (recommendation ${result.recommendationId}); run ${result.runId} is ${output.run_status}\n`,
          );
      });
    });

  approvals
    .command('defer')
    .description('defer a decision N days (1–30): it stays pending, its expiry N days later')
    .argument('<approval-id>')
    .requiredOption('--days <n>', 'how many days (1–30)')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--as <who>', 'who defers (default: cli:<your user name>)')
    .action(async (approvalId: string, options: { days: string; reason?: string; as?: string }) => {
      const days = Number(options.days);
      if (!/^\d+$/.test(options.days) || days < DEFER_DAYS.min || days > DEFER_DAYS.max)
        throw new UsageError(`defer: --days must be a whole number from ${DEFER_DAYS.min} to ${DEFER_DAYS.max}`);
      await withContainer(context, async (deps) => {
        const result = await deferApproval(deps, {
          approvalId,
          days,
          by: options.as ?? context.actor(),
          channel: 'cli',
          ...(options.reason ? { reason: options.reason } : {}),
        });
        if (context.options().json) printJson(result);
        else
          process.stdout.write(
            `deferred approval ${result.approvalId} until ${result.deferredUntil.slice(0, 10)}; it now expires ${result.expiresAt.slice(0, 16).replace('T', ' ')}\n`,
          );
      });
    });
}

interface ApproveOptions {
  editSubject?: string;
  editBody?: string;
  editDescription?: string;
  editDueDate?: string;
  editValue?: string;
  edits?: string;
  as?: string;
}

/** The edits given on the command line, or undefined for a plain approval; bad input is a UsageError. */
function editsFrom(options: ApproveOptions): DraftEdits | undefined {
  let edits: DraftEdits = {};
  if (options.edits !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.edits);
    } catch {
      throw new UsageError('--edits: not JSON (e.g. {"subject":"Call Acme","dueDate":"2026-12-01"})');
    }
    const result = DraftEditsBody.safeParse(parsed);
    if (!result.success)
      throw new UsageError(
        `--edits: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    edits = result.data;
  }
  if (options.editSubject !== undefined) edits.subject = options.editSubject;
  if (options.editBody !== undefined) edits.body = options.editBody;
  if (options.editDescription !== undefined) edits.description = options.editDescription;
  if (options.editDueDate !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(options.editDueDate))
      throw new UsageError(`--edit-due-date: "${options.editDueDate}" is not a date (YYYY-MM-DD)`);
    edits.dueDate = options.editDueDate;
  }
  if (options.editValue !== undefined) edits.value = options.editValue;
  return hasEdits(edits) ? edits : undefined;
}
