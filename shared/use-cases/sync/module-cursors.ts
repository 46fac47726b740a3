import type { BulkReadModule, CrmClient, CrmModule, ModuleExport, ZohoRecord } from '../../ports/crm-client.ts';
import type { CrmCopyWriter } from '../../ports/crm-copy.ts';
import { type PageThroughOptions, type PageThroughResult, pageThrough } from './page-through.ts';
import { latestModifiedTime } from './sync-run.ts';

/**
 * The Modified_Time cursor each module's listing or export leaves for the incremental sync: the latest
 * Modified_Time seen (Zoho's clock, never ours). A listing of one page is one snapshot, and so is a Bulk
 * Read job. A listing of several pages is not: a record modified after its page was fetched may carry an
 * older Modified_Time than a record fetched later, so the cursor moves back by the listing's duration (a
 * duration is the same on both clocks); the next incremental sync then re-reads those few records, and
 * the hash check writes nothing for them.
 */
export class ModuleCursors {
  readonly #clock: { now(): Date };
  readonly #latest = new Map<CrmModule, Date | null>();

  constructor(clock: { now(): Date }) {
    this.#clock = clock;
  }

  /**
   * `pageThrough`, noting the latest Modified_Time of every page. Sorted by Modified_Time and continued by
   * page token, a record modified mid-listing moves behind the ones served and is read later, so only an
   * id-sorted listing needs the step back.
   */
  async list(
    crm: CrmClient,
    module: CrmModule,
    fields: readonly string[],
    onPage: (records: ZohoRecord[]) => Promise<void>,
    options: PageThroughOptions = {},
  ): Promise<PageThroughResult> {
    const started = this.#clock.now().getTime();
    let latest: Date | null = null;
    const result = await pageThrough(
      crm,
      module,
      fields,
      (records) => {
        latest = latestModifiedTime(records, latest);
        return onPage(records);
      },
      options,
    );
    const elapsed = this.#clock.now().getTime() - started;
    const seen = latest as Date | null;
    const racy = result.pages > 1 && (options.sortBy ?? 'id') === 'id';
    if (seen) this.#latest.set(module, racy ? new Date(seen.getTime() - elapsed) : seen);
    return result;
  }

  /**
   * A client's `exportModule` (Bulk Read), noting the latest Modified_Time of every page. One job is one
   * snapshot of the module, so its cursor needs no step back; only an export of several jobs (over
   * 200,000 records) does, like an id-sorted listing, since a record may change between two jobs. The
   * cursor is set only when the export succeeds: a failed one is redone by listing, which sets its own.
   */
  async export(
    exportModule: NonNullable<CrmClient['exportModule']>,
    module: BulkReadModule,
    fields: readonly string[],
    onPage: (records: ZohoRecord[]) => Promise<void>,
  ): Promise<ModuleExport> {
    const started = this.#clock.now().getTime();
    let latest: Date | null = null;
    const result = await exportModule(module, fields, (records) => {
      latest = latestModifiedTime(records, latest);
      return onPage(records);
    });
    const elapsed = this.#clock.now().getTime() - started;
    const seen = latest as Date | null;
    if (seen) this.#latest.set(module, result.jobs > 1 ? new Date(seen.getTime() - elapsed) : seen);
    return result;
  }

  /** The cursor a module's listing leaves (null when it saw no record). */
  cursorOf(module: CrmModule): Date | null {
    return this.#latest.get(module) ?? null;
  }

  async save(copy: CrmCopyWriter): Promise<void> {
    for (const [module, modifiedSince] of this.#latest) {
      if (modifiedSince) await copy.saveSyncCursor(module, { modifiedSince });
    }
  }
}
