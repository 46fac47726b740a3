import type {
  CrmClient,
  CrmWriteResult,
  DeletedRecordPage,
  RecordPage,
  ZohoRecord,
} from '../../../shared/ports/crm-client.ts';

/** What a fake tier does on each call, in order; the last entry repeats. */
export type Outcome = { ok: unknown } | { fail: unknown };

/**
 * A CrmClient whose every method answers from one script, recording the calls it got. Enough to drive
 * failover, breakers and retries without a server.
 */
export class FakeCrmClient implements CrmClient {
  readonly calls: string[] = [];
  readonly #script: Outcome[];

  constructor(...script: Outcome[]) {
    this.#script = script.length > 0 ? script : [{ ok: [] }];
  }

  get apiCalls(): number {
    return this.calls.length;
  }

  async #answer<T>(call: string): Promise<T> {
    this.calls.push(call);
    const outcome = this.#script.length > 1 ? this.#script.shift() : this.#script[0];
    if (!outcome) throw new Error('empty script');
    if ('fail' in outcome) throw outcome.fail;
    return outcome.ok as T;
  }

  listUsers(): Promise<ZohoRecord[]> {
    return this.#answer('listUsers');
  }
  listRecords(module: string): Promise<RecordPage> {
    return this.#answer(`listRecords ${module}`);
  }
  getRecord(module: string, id: string): Promise<ZohoRecord | null> {
    return this.#answer(`getRecord ${module} ${id}`);
  }
  relatedRecords(module: string, id: string, list: string): Promise<ZohoRecord[]> {
    return this.#answer(`relatedRecords ${module} ${id} ${list}`);
  }
  searchRecords(module: string, criteria: string): Promise<ZohoRecord[]> {
    return this.#answer(`searchRecords ${module} ${criteria}`);
  }
  createRecords(module: string, records: readonly Record<string, unknown>[]): Promise<CrmWriteResult[]> {
    return this.#answer(`createRecords ${module} ${records.length}`);
  }
}

/** A tier that, like Zoho's MCP server, has no deletion log. */
export class FakeCrmClientWithDeletions extends FakeCrmClient {
  deletedRecords(module: string): Promise<DeletedRecordPage> {
    this.calls.push(`deletedRecords ${module}`);
    return Promise.resolve({ records: [{ id: '7', deletedTime: new Date(0), deletedBy: null }], moreRecords: false });
  }
}

/** An error shaped like undici's when the server refused the connection: nothing was sent. */
export function connectionRefused(): TypeError {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  return new TypeError('fetch failed', { cause });
}

/** An error shaped like undici's when the server dropped the connection mid-request: it may have been sent. */
export function connectionReset(): TypeError {
  const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  return new TypeError('fetch failed', { cause });
}

/** A clock tests move by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
