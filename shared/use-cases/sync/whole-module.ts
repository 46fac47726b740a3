import type { BulkReadModule, CrmClient, ZohoRecord } from '../../ports/crm-client.ts';
import type { ModuleCursors } from './module-cursors.ts';
import type { SyncRun } from './sync-run.ts';

/** How a module's records reached the sync. */
export type ModuleSource = 'bulk-read' | 'pages';

/** A module whose Bulk Read export failed and was paged through instead. */
export interface BulkReadFallback {
  module: BulkReadModule;
  /** The export's error, `Name: message`. */
  reason: string;
}

export interface WholeModule {
  source: ModuleSource;
  fallback?: BulkReadFallback;
}

/**
 * Every record of a module for a full sync: exported through Bulk Read when the client offers it, paged
 * through `listRecords` otherwise. An export that fails (Bulk API down, its breaker open, a job that
 * failed) is redone by paging from the first record: the counts the export had reached are put back, so
 * nothing is counted twice, and the rows it had written are met again (unchanged, or updated where REST's
 * shape carries more, like lookup names). An error thrown by `onPage` (the copy's own) is not a Bulk Read
 * failure and ends the sync as it would have. `page`: page through it even where an export is offered.
 */
export async function syncWholeModule<M extends string>(
  crm: CrmClient,
  cursors: ModuleCursors,
  run: SyncRun<M>,
  module: BulkReadModule & M,
  fields: readonly string[],
  onPage: (records: ZohoRecord[]) => Promise<void>,
  options: { page?: boolean } = {},
): Promise<WholeModule> {
  const { exportModule } = crm;
  if (!exportModule || options.page) {
    await cursors.list(crm, module, fields, onPage);
    return { source: 'pages' };
  }
  const restore = run.checkpoint(module);
  let ownFailure: { error: unknown } | undefined;
  try {
    await cursors.export(exportModule.bind(crm), module, fields, async (records) => {
      try {
        await onPage(records);
      } catch (error) {
        ownFailure = { error };
        throw error;
      }
    });
    return { source: 'bulk-read' };
  } catch (error) {
    if (ownFailure && ownFailure.error === error) throw error;
    restore();
    await cursors.list(crm, module, fields, onPage);
    return { source: 'pages', fallback: { module, reason: describe(error) } };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
