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
}

export interface RecordPage {
  records: ZohoRecord[];
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
  /** API calls made by this client so far (each costs Zoho credits). */
  readonly apiCalls: number;
}
