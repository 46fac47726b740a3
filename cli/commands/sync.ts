import type { Command } from 'commander';
import { syncFull } from '../../shared/use-cases/sync-full.ts';
import { syncIncremental } from '../../shared/use-cases/sync-incremental.ts';
import { type CliContext, withContainer } from '../context.ts';
import { info, printJson, printTable } from '../output.ts';
import { UsageError } from '../usage-error.ts';

export function syncCommands(program: Command, context: CliContext): void {
  program
    .command('sync')
    .description('pull the CRM into the database; prints counts')
    .option('--full', 'every record of every module')
    .option('--incremental', 'only what changed since the last sync')
    .action(async (options: { full?: boolean; incremental?: boolean }) => {
      if (options.full === options.incremental)
        throw new UsageError('sync: give exactly one of --full or --incremental');
      await withContainer(context, async (deps) => {
        let last = '';
        const onProgress = (event: { module: string; fetched: number }) => {
          if (!process.stderr.isTTY || context.options().json) return;
          const line = `syncing ${event.module}: ${event.fetched} records`;
          process.stderr.write(`\r${line.padEnd(last.length)}`);
          last = line;
        };
        // The same table for both kinds; a full sync never deletes, so its `deleted` column is 0.
        const result = options.incremental
          ? await syncIncremental(deps, { onProgress })
          : await syncFull(deps, { onProgress });
        if (last) process.stderr.write('\n');
        if (context.options().json) return printJson(result);
        printTable(
          ['module', 'fetched', 'inserted', 'updated', 'unchanged', 'invalid', 'deleted'],
          Object.entries(result.counts).map(([module, c]) => [
            module,
            c.fetched,
            c.inserted,
            c.updated,
            c.unchanged,
            c.invalid,
            'deleted' in c ? c.deleted : 0,
          ]),
        );
        info(
          `${result.apiCalls} API calls · ${result.observedStageChanges} stage changes observed · ${result.finishedAt.getTime() - result.startedAt.getTime()} ms`,
        );
        if ('deletionsChecked' in result && !result.deletionsChecked) {
          info('deletions not checked: this CRM client cannot list deleted records');
        }
      });
    });
}
