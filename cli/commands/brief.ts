import type { Command } from 'commander';
import { getOwnerBrief, ownerBriefJson } from '../../shared/use-cases/owner-brief.ts';
import { type CliContext, withContainer } from '../context.ts';
import { printJson, printTable } from '../output.ts';
import { parseAsOf } from '../usage-error.ts';

export function briefCommands(program: Command, context: CliContext): void {
  program
    .command('brief')
    .description("an account owner's daily brief: top accounts, their next actions, pending approvals")
    .argument('<owner-id>', 'the Zoho user id of the account owner')
    .action(async (ownerId: string) => {
      const asOf = parseAsOf(context.options().asOf);
      await withContainer(context, async (deps) => {
        const brief = await getOwnerBrief(deps, { ownerId, ...(asOf ? { now: asOf } : {}) });
        if (context.options().json) return printJson(ownerBriefJson(brief));
        const out = (line = '') => process.stdout.write(`${line}\n`);
        out(`Brief for ${brief.owner.name} · ${brief.date} (by 06:00 ${brief.owner.timeZone})`);
        if (brief.noUpdates) {
          out(`No updates: none of ${brief.totalAccounts} accounts needs attention today.`);
          return;
        }
        out(`about ${brief.estimatedReviewMinutes} min to review · ${brief.totalAccounts} accounts in all\n`);
        printTable(
          ['account', 'risk', 'priority', 'health', 'changes', 'next actions'],
          brief.accounts.map((a) => [
            a.name,
            a.riskLevel,
            a.priorityScore,
            a.healthScore,
            a.changedFields,
            a.actions.map((action) => action.action).join(' · ') || '—',
          ]),
        );
        out(`\n${brief.pendingApprovals.length} pending approval(s)`);
        if (brief.pendingApprovals.length > 0) {
          printTable(
            ['approval', 'account', 'type', 'expires'],
            brief.pendingApprovals.map((a) => [a.id, a.accountName, a.type, a.expiresAt.toISOString().slice(0, 16)]),
          );
        }
      });
    });
}
