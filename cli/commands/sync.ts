import type { Command } from 'commander';
import type { CrmModule } from '../../shared/ports/crm-client.ts';
import { FULL_SYNC_ORDER, syncFull } from '../../shared/use-cases/sync-full.ts';
import { syncIncremental } from '../../shared/use-cases/sync-incremental.ts';
import { type CliContext, withContainer } from '../context.ts';
import { info, moduleProgressBars, printJson, printTable } from '../output.ts';
import { UsageError } from '../usage-error.ts';

const CRM_MODULES: readonly CrmModule[] = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes'];

export function syncCommands(program: Command, context: CliContext): void {
  program
    .command('sync')
    .description('pull the CRM into the database; prints counts')
    .option('--full', 'every record of every module')
    .option('--incremental', 'only what changed since the last sync')
    .option('--deletions', "with --incremental: read Zoho's deletion log now, even if it is not due")
    .option('--progress', 'draw the progress bars even when stderr is not a terminal')
    .action(async (options: { full?: boolean; incremental?: boolean; deletions?: boolean; progress?: boolean }) => {
      if (options.full === options.incremental)
        throw new UsageError('sync: give exactly one of --full or --incremental');
      if (options.deletions && !options.incremental) throw new UsageError('sync: --deletions goes with --incremental');
      await withContainer(context, async (deps) => {
        const json = context.options().json;
        const showBars = !json && (options.progress || process.stderr.isTTY);
        // Sizing the bars costs one count call per module: only spent when someone is watching. The full
        // sync is told the sizes too, which it would otherwise ask for to choose between Bulk Read and pages.
        const totals = new Map<CrmModule, number>();
        let countingCalls = 0;
        if (showBars && options.full && deps.crm.countRecords) {
          const before = deps.crm.apiCalls;
          for (const module of CRM_MODULES) totals.set(module, await deps.crm.countRecords(module));
          countingCalls = deps.crm.apiCalls - before;
        }
        const modules = options.full ? FULL_SYNC_ORDER : CRM_MODULES;
        const bars = showBars
          ? moduleProgressBars(modules, totals, options.progress)
          : { update: () => undefined, stop: () => undefined };
        const onProgress = (event: { module: string; fetched: number }) => bars.update(event.module, event.fetched);
        // The same table for both kinds; a full sync never deletes, so its `deleted` column is 0.
        let result: Awaited<ReturnType<typeof syncFull>> | Awaited<ReturnType<typeof syncIncremental>>;
        try {
          result = options.incremental
            ? await syncIncremental(deps, { onProgress, ...(options.deletions ? { deletionCheckIntervalMs: 0 } : {}) })
            : await syncFull(deps, { onProgress, moduleSizes: totals });
        } finally {
          bars.stop();
        }
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
          `${result.apiCalls} API calls${countingCalls ? ` (+${countingCalls} to size the progress bars)` : ''} · ${result.observedStageChanges} stage changes observed · ${result.finishedAt.getTime() - result.startedAt.getTime()} ms`,
        );
        if ('bulkReadFallbacks' in result) {
          for (const { module, reason } of result.bulkReadFallbacks) {
            info(`${module}: Bulk Read failed (${reason}); paged through instead`);
          }
        }
        if ('deletionsUnsupported' in result) {
          if (result.deletionsUnsupported) info('deletions not checked: this CRM client cannot list deleted records');
          else if (result.nextDeletionCheck) {
            info(
              `deletion log not read this time (every 6 h; notifications apply deletions as they happen): next after ${result.nextDeletionCheck.toISOString()}, or now with --deletions`,
            );
          }
        }
      });
    });
}
