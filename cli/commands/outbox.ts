import type { Command } from 'commander';
import type { NotificationKind, OutboxEntry } from '../../shared/ports/notifier.ts';
import { type CliContext, withContainer } from '../context.ts';
import { printJson, printTable } from '../output.ts';
import { parsePositiveInt, UsageError } from '../usage-error.ts';

const KINDS: readonly NotificationKind[] = [
  'approval_requested',
  'approval_reminder',
  'approval_escalated',
  'approval_expired',
  'owner_brief',
];

export const outboxEntryJson = (entry: OutboxEntry) => ({
  id: entry.id,
  kind: entry.kind,
  to: { user_id: entry.to.userId, name: entry.to.name, email: entry.to.email },
  subject: entry.subject,
  text: entry.text,
  links: entry.links,
  approval_id: entry.approvalId ?? null,
  run_id: entry.runId ?? null,
  account_id: entry.accountId ?? null,
  created_at: entry.createdAt.toISOString(),
});

export function outboxCommands(program: Command, context: CliContext): void {
  const outbox = program
    .command('outbox')
    .description('messages Sergas sent or would have sent (approval links, reminders, escalations, briefs)');

  outbox
    .command('list')
    .description('the newest messages first, with their links')
    .option('--kind <kind>', `only this kind (${KINDS.join(', ')})`)
    .option('--to <user-id>', 'only messages to this CRM user')
    .option('--approval <approval-id>', 'only messages about this approval')
    .option('--limit <n>', 'at most this many', '20')
    .option('--full', 'print each message in full')
    .action(async (options: { kind?: string; to?: string; approval?: string; limit: string; full?: boolean }) => {
      if (options.kind !== undefined && !KINDS.includes(options.kind as NotificationKind)) {
        throw new UsageError(`--kind: "${options.kind}" is not one of ${KINDS.join(', ')}`);
      }
      const limit = parsePositiveInt('--limit', options.limit);
      if (limit < 1 || limit > 1000) throw new UsageError('--limit: must be between 1 and 1000');
      await withContainer(context, async (deps) => {
        const entries = await deps.outbox.list({
          ...(options.kind ? { kind: options.kind as NotificationKind } : {}),
          ...(options.to ? { userId: options.to } : {}),
          ...(options.approval ? { approvalId: options.approval } : {}),
          limit,
        });
        if (context.options().json) return printJson({ messages: entries.map(outboxEntryJson) });
        if (entries.length === 0) return void process.stdout.write('The outbox is empty.\n');
        if (options.full) {
          for (const entry of entries) {
            process.stdout.write(
              `── ${entry.createdAt.toISOString()} · ${entry.kind} · to ${entry.to.name}${entry.to.email ? ` <${entry.to.email}>` : ''}\n` +
                `Subject: ${entry.subject}\n\n${entry.text.trimEnd()}\n` +
                `${entry.links.map((link) => `\n${link.label}: ${link.url}`).join('')}\n\n`,
            );
          }
          return;
        }
        printTable(
          ['when', 'kind', 'to', 'subject', 'link'],
          entries.map((entry) => [
            entry.createdAt.toISOString().slice(0, 16).replace('T', ' '),
            entry.kind,
            entry.to.name,
            entry.subject.length > 70 ? `${entry.subject.slice(0, 69)}…` : entry.subject,
            entry.links.find((link) => link.url.includes('/approvals/'))?.url ?? entry.links[0]?.url,
          ]),
        );
      });
    });
}
