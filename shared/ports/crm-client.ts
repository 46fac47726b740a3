/**
 * Zoho CRM as Sergas uses it. Records keep Zoho's v8 shapes (API field names, lookups `{id, name}`);
 * mapping into the domain happens in the sync. Implementations: the REST tier now; MCP and SDK tiers
 * with per-call failover come later behind this same port.
 */
export type ZohoRecord = { id: string } & Record<string, unknown>;

export type CrmModule = 'Accounts' | 'Contacts' | 'Deals' | 'Tasks' | 'Calls' | 'Events' | 'Notes';

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
  /** API calls made by this client so far (each costs Zoho credits). */
  readonly apiCalls: number;
}
