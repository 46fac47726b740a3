import { CrmRequestError } from '../../errors.ts';
import type {
  CrmClient,
  CrmModule,
  CrmWriteResult,
  DeletedRecordPage,
  DeletedRecordsOptions,
  ListOptions,
  RecordPage,
  ZohoRecord,
} from '../../ports/crm-client.ts';
// Types only: erased, so importing this module never loads the SDK adapter (or the SDK).
import type { ZohoSdkCrmClientOptions } from './zoho-sdk-crm-client.ts';

/**
 * A CrmClient made on its first call by `load`, for a client too heavy to load in every process that might
 * need it. Until then it costs nothing and counts no API calls. If loading fails, every call says so as a
 * `NOT_SUPPORTED` CrmRequestError: nothing was sent, so TieredCrmClient passes the tier over, reads and
 * writes alike, and the failure is not retried (a module that did not load will not load on a second try).
 */
export class LazyCrmClient implements CrmClient {
  readonly #name: string;
  readonly #load: () => Promise<CrmClient>;
  #loading: Promise<CrmClient> | null = null;
  #client: CrmClient | null = null;

  constructor(name: string, load: () => Promise<CrmClient>) {
    this.#name = name;
    this.#load = load;
  }

  /** Whether the client was loaded (by a first call). */
  get loaded(): boolean {
    return this.#client !== null;
  }

  get apiCalls(): number {
    return this.#client?.apiCalls ?? 0;
  }

  listUsers(): Promise<ZohoRecord[]> {
    return this.#use((client) => client.listUsers());
  }

  listRecords(module: CrmModule, options: ListOptions): Promise<RecordPage> {
    return this.#use((client) => client.listRecords(module, options));
  }

  getRecord(module: CrmModule, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> {
    return this.#use((client) => client.getRecord(module, id, fields));
  }

  relatedRecords(module: CrmModule, id: string, relatedList: string, fields: readonly string[]): Promise<ZohoRecord[]> {
    return this.#use((client) => client.relatedRecords(module, id, relatedList, fields));
  }

  searchRecords(module: CrmModule, criteria: string, fields?: readonly string[]): Promise<ZohoRecord[]> {
    return this.#use((client) => client.searchRecords(module, criteria, fields));
  }

  createRecords(module: 'Tasks' | 'Notes', records: readonly Record<string, unknown>[]): Promise<CrmWriteResult[]> {
    return this.#use((client) => client.createRecords(module, records));
  }

  /** Offered before loading, since whether the client has it is not known until then. */
  deletedRecords(module: CrmModule, options: DeletedRecordsOptions): Promise<DeletedRecordPage> {
    return this.#use((client) => {
      if (!client.deletedRecords) throw this.#notSupported('deletedRecords');
      return client.deletedRecords(module, options);
    });
  }

  async #use<T>(call: (client: CrmClient) => Promise<T>): Promise<T> {
    this.#loading ??= this.#load().then(
      (client) => {
        this.#client = client;
        return client;
      },
      (error: unknown) => {
        throw new CrmRequestError(`The ${this.#name} CRM client could not be loaded: ${messageOf(error)}`, {
          cause: error,
          details: { code: 'NOT_SUPPORTED' },
        });
      },
    );
    return call(await this.#loading);
  }

  #notSupported(operation: string): CrmRequestError {
    return new CrmRequestError(`The ${this.#name} CRM client has no ${operation}`, {
      details: { code: 'NOT_SUPPORTED' },
    });
  }
}

/**
 * Zoho's official SDK as a CrmClient that imports the SDK adapter, and so the SDK (107 MB installed, mysql
 * loaded on import, ~400 ms and ~120 MB RSS), only on its first call.
 */
export function lazyZohoSdkCrmClient(options: ZohoSdkCrmClientOptions): LazyCrmClient {
  return new LazyCrmClient('sdk', async () => {
    const { ZohoSdkCrmClient } = await import('./zoho-sdk-crm-client.ts');
    return new ZohoSdkCrmClient(options);
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
