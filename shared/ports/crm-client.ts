/**
 * Zoho CRM as Sergas uses it. Records keep Zoho's v8 shapes (API field names, lookups `{id, name}`);
 * mapping into the domain happens in the sync. Implementations: the REST tier now; MCP and SDK tiers
 * with per-call failover come later behind this same port.
 */
export type ZohoRecord = { id: string } & Record<string, unknown>;

export type CrmModule = 'Accounts' | 'Contacts' | 'Deals' | 'Tasks' | 'Calls' | 'Events' | 'Notes';

/** The modules Zoho's Bulk Read exports: it refuses Notes (reference §6), which are always paged. */
export type BulkReadModule = Exclude<CrmModule, 'Notes'>;

/** What one `exportModule` did. */
export interface ModuleExport {
  /** Records handed to `onPage`. */
  records: number;
  /**
   * Bulk Read jobs it ran: one per 200,000 records. Each job is one snapshot of its share of the module;
   * with more than one, a record changed between two jobs may have been read before the change.
   */
  jobs: number;
}

export interface ListOptions {
  fields: readonly string[];
  page?: number;
  perPage?: number;
  sortBy?: 'id' | 'Created_Time' | 'Modified_Time';
  sortOrder?: 'asc' | 'desc';
  /** Zoho's `page_token` (the previous page's `nextPageToken`): the only way past 2000 records. */
  pageToken?: string;
  /** Only records modified after this instant (Zoho's `If-Modified-Since` header). */
  ifModifiedSince?: Date;
}

export interface RecordPage {
  records: ZohoRecord[];
  moreRecords: boolean;
  /** The token for the next page, when the client offers tokens (REST does); null on the last page. */
  nextPageToken?: string | null;
  /** True when Zoho answered 304: nothing was modified after `ifModifiedSince` (`records` is empty). */
  notModified?: boolean;
}

/** One entry of Zoho's deletion log (`GET /{module}/deleted`). */
export interface DeletedRecord {
  id: string;
  deletedTime: Date;
  deletedBy: { id: string; name: string | null } | null;
}

export interface DeletedRecordsOptions {
  /** Only deletions after this instant (`If-Modified-Since`); every logged deletion without it. */
  since?: Date;
  page: number;
}

export interface DeletedRecordPage {
  records: DeletedRecord[];
  moreRecords: boolean;
}

export interface CrmWriteResult {
  status: 'success' | 'error';
  code: string;
  id: string | null;
  message: string;
  details: unknown;
}

export interface CrmClient {
  listUsers(): Promise<ZohoRecord[]>;
  listRecords(module: CrmModule, options: ListOptions): Promise<RecordPage>;
  getRecord(module: CrmModule, id: string, fields?: readonly string[]): Promise<ZohoRecord | null>;
  relatedRecords(module: CrmModule, id: string, relatedList: string, fields: readonly string[]): Promise<ZohoRecord[]>;
  /** Zoho search criteria syntax, e.g. `(Sergas_Key:equals:abc)`. */
  searchRecords(module: CrmModule, criteria: string, fields?: readonly string[]): Promise<ZohoRecord[]>;
  createRecords(module: 'Tasks' | 'Notes', records: readonly Record<string, unknown>[]): Promise<CrmWriteResult[]>;
  /**
   * Records deleted from a module (recycle bin and permanent), one page of 200. 204 (none) and 304 (none
   * since `since`) are an empty page. Optional so tiers and wrappers that cannot list deletions yet still
   * satisfy the port; the incremental sync reports deletions as unchecked when it is missing.
   */
  deletedRecords?(module: CrmModule, options: DeletedRecordsOptions): Promise<DeletedRecordPage>;
  /**
   * Every record of a module through Zoho's Bulk Read (create a job, poll it, download its CSV), at a few
   * calls per 200,000 records where listing costs one per 200. `onPage` gets the records in pages (a few
   * thousand) as `listRecords` would have shaped them: `fields` plus `id`, lookups as `{id}` (owner
   * lookups with the user's `name` and `email` too), numbers, booleans and nulls typed by Zoho's field
   * metadata; lookup names are not in Zoho's export. Each page is handled before the next is parsed.
   *
   * Optional: only a client with a Bulk Read tier offers it. A caller falls back to paging through
   * `listRecords` when it is missing or fails; an error thrown by `onPage` itself comes back unchanged.
   */
  exportModule?(
    module: BulkReadModule,
    fields: readonly string[],
    onPage: (records: ZohoRecord[]) => Promise<void>,
  ): Promise<ModuleExport>;
  /** How many records a module holds (`GET /{module}/actions/count`); optional, for progress and checks. */
  countRecords?(module: CrmModule): Promise<number>;
  /** API calls made by this client so far (each costs Zoho credits). */
  readonly apiCalls: number;
}
