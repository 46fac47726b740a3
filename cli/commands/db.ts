import type { Command } from 'commander';
import { migrate } from '../../shared/adapters/db/migrate.ts';
import { type CliContext, withContainer } from '../context.ts';
import { info, printJson } from '../output.ts';

export function dbCommands(program: Command, context: CliContext): void {
  const db = program.command('db').description('the database');
  db.command('migrate')
    .description('apply pending migrations')
    .action(async () => {
      await withContainer(context, async (deps) => {
        // Opening the container already migrates; run again to report what is in place.
        const result = await migrate(deps.db);
        if (context.options().json) printJson(result);
        else info(`migrations in place: ${[...result.alreadyApplied, ...result.applied].join(', ')}`);
      });
    });
}
