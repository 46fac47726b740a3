import type { Command } from 'commander';
import { type CliContext, withContainer } from '../context.ts';
import { printJson } from '../output.ts';
import { UsageError } from '../usage-error.ts';

export function userCommands(program: Command, context: CliContext): void {
  const user = program.command('user').description('people who use Sergas');
  user
    .command('create')
    .description('create a user (admin, manager or rep)')
    .requiredOption('--email <email>')
    .option('--name <name>')
    .option('--admin', 'an administrator')
    .option('--role <role>', 'admin, manager or rep', 'rep')
    .option('--owner-id <id>', 'the Zoho user id this person owns accounts as')
    .action(async (options: { email: string; name?: string; admin?: boolean; role: string; ownerId?: string }) => {
      const role = options.admin ? 'admin' : options.role;
      if (!['admin', 'manager', 'rep'].includes(role))
        throw new UsageError(`--role: "${role}" is not admin, manager or rep`);
      if (!/^[^@\s]+@[^@\s]+$/.test(options.email))
        throw new UsageError(`--email: "${options.email}" is not an e-mail address`);
      await withContainer(context, async (deps) => {
        const rows = await deps.db.query<{ id: string }>(
          `INSERT INTO users (email, name, role, owner_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (email) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name RETURNING id`,
          [options.email, options.name ?? options.email, role, options.ownerId ?? null],
        );
        await deps.audit.record({
          userId: context.actor(),
          action: 'user.created',
          resourceType: 'user',
          resourceId: rows[0]!.id,
          details: { role },
        });
        if (context.options().json) printJson({ id: rows[0]!.id, email: options.email, role });
        else process.stdout.write(`user ${options.email} (${role}) id ${rows[0]!.id}\n`);
      });
    });
}
