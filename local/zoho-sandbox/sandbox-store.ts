/**
 * The sandbox org held in memory and mirrored to `<dir>/org.json` after every write, so a restarted
 * sandbox (or a second process opening the same SERGAS_HOME) sees the same CRM. One store can back a
 * server and the tests that poke at it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  emptySandboxOrg,
  isRecordModule,
  parseSandboxOrg,
  RECORD_MODULES,
  type RecordModule,
  type SandboxOrg,
  type SandboxUser,
  type StoredModule,
  type ZohoRecord,
} from './sandbox-org.ts';
import { matchesCriteria, parseSearchCriteria, type SearchCriteria } from './search-criteria.ts';
import { zohoDateTime, zohoId } from './zoho-formats.ts';

/** Who performs a write: becomes Created_By/Modified_By and the default Owner. */
export interface UserRef {
  id: string;
  name: string;
  email?: string;
}

export interface SandboxStoreOptions {
  /** The store's clock: stamps Created_Time/Modified_Time and ages access tokens. */
  now?: () => Date;
}

interface RelatedList {
  module: StoredModule;
  belongsTo: (record: ZohoRecord, parentId: string) => boolean;
}

const lookupId = (value: unknown): string | undefined =>
  value && typeof value === 'object' && 'id' in value && typeof value.id === 'string' ? value.id : undefined;

const byLookup =
  (field: string): RelatedList['belongsTo'] =>
  (record, parentId) =>
    lookupId(record[field]) === parentId;

const byWhatId =
  (parentModule: RecordModule): RelatedList['belongsTo'] =>
  (record, parentId) =>
    record.$se_module === parentModule && lookupId(record.What_Id) === parentId;

const byParent =
  (parentModule: RecordModule): RelatedList['belongsTo'] =>
  (record, parentId) => {
    const parent = record.Parent_Id as { id?: unknown; module?: { api_name?: unknown } } | undefined;
    return parent?.id === parentId && parent.module?.api_name === parentModule;
  };

const activitiesOf = (parentModule: RecordModule): Record<string, RelatedList> => ({
  Tasks: { module: 'Tasks', belongsTo: byWhatId(parentModule) },
  Calls: { module: 'Calls', belongsTo: byWhatId(parentModule) },
  Events: { module: 'Events', belongsTo: byWhatId(parentModule) },
  Notes: { module: 'Notes', belongsTo: byParent(parentModule) },
});

/**
 * The related lists the sandbox serves, by parent module. Activities hang off Accounts and Deals
 * through What_Id + $se_module and off Contacts through Who_Id, as in Zoho.
 */
export const RELATED_LISTS: Readonly<Record<RecordModule, Readonly<Record<string, RelatedList>>>> = {
  Accounts: {
    Contacts: { module: 'Contacts', belongsTo: byLookup('Account_Name') },
    Deals: { module: 'Deals', belongsTo: byLookup('Account_Name') },
    ...activitiesOf('Accounts'),
  },
  Deals: {
    Stage_History: { module: 'Stage_History', belongsTo: byLookup('Deal') },
    ...activitiesOf('Deals'),
  },
  Contacts: {
    Deals: { module: 'Deals', belongsTo: byLookup('Contact_Name') },
    Tasks: { module: 'Tasks', belongsTo: byLookup('Who_Id') },
    Calls: { module: 'Calls', belongsTo: byLookup('Who_Id') },
    Events: { module: 'Events', belongsTo: byLookup('Who_Id') },
    Notes: { module: 'Notes', belongsTo: byParent('Contacts') },
  },
  Tasks: { Notes: { module: 'Notes', belongsTo: byParent('Tasks') } },
  Calls: { Notes: { module: 'Notes', belongsTo: byParent('Calls') } },
  Events: { Notes: { module: 'Notes', belongsTo: byParent('Events') } },
  Notes: {},
};

/** The field Zoho shows as a record's name in lookups. */
const NAME_FIELD: Readonly<Record<RecordModule, string>> = {
  Accounts: 'Account_Name',
  Contacts: 'Full_Name',
  Deals: 'Deal_Name',
  Tasks: 'Subject',
  Calls: 'Subject',
  Events: 'Event_Title',
  Notes: 'Note_Title',
};

// New ids start here at the least, so they look like Zoho's even after loading a file with short ids.
const FIRST_NEW_ID = BigInt(zohoId(900_000_000));
const SYSTEM_FIELDS = ['id', 'Created_Time', 'Modified_Time', 'Created_By', 'Modified_By'] as const;
const STORED_MODULES: readonly StoredModule[] = [...RECORD_MODULES, 'Stage_History'];

export class SandboxStore {
  readonly dir: string;
  readonly now: () => Date;
  #org: SandboxOrg;
  #index = new Map<StoredModule, Map<string, ZohoRecord>>();
  #lastId = 0n;
  #writes: Promise<void> = Promise.resolve();
  #tmpCounter = 0;

  private constructor(dir: string, org: SandboxOrg, now: () => Date) {
    this.dir = dir;
    this.now = now;
    this.#org = org;
    this.#reindex();
  }

  /** Opens the store in `dir` (created if missing); an empty org when `dir/org.json` does not exist. */
  static async open(dir: string, options: SandboxStoreOptions = {}): Promise<SandboxStore> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'org.json');
    let raw: string | undefined;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const org = raw === undefined ? emptySandboxOrg() : parseSandboxOrg(JSON.parse(raw), `sandbox store ${file}`);
    return new SandboxStore(dir, org, options.now ?? (() => new Date()));
  }

  /** Where the org is persisted. */
  get file(): string {
    return join(this.dir, 'org.json');
  }

  /** The whole org, live: read it, don't mutate it. */
  get org(): Readonly<SandboxOrg> {
    return this.#org;
  }

  /** Whether the org holds no users and no accounts (a fresh sandbox waiting to be seeded). */
  get isEmpty(): boolean {
    return this.#org.users.length === 0 && this.#org.Accounts.length === 0;
  }

  users(): readonly SandboxUser[] {
    return this.#org.users;
  }

  user(id: string): SandboxUser | undefined {
    return this.#org.users.find((user) => user.id === id);
  }

  /** Replaces the whole org (validated: a bad org is a ValidationError and changes nothing). */
  async replace(org: SandboxOrg): Promise<void> {
    this.#org = parseSandboxOrg(org);
    this.#reindex();
    await this.#persist();
  }

  list(module: StoredModule): readonly ZohoRecord[] {
    return this.#org[module];
  }

  get(module: StoredModule, id: string): ZohoRecord | undefined {
    return this.#index.get(module)?.get(id);
  }

  /**
   * Adds records as Zoho would: a fresh id, Created/Modified time and by, Owner defaulting to `by`, and
   * lookup names filled in. Unknown fields (custom fields like `Sergas_Key`) are kept.
   */
  async create(module: RecordModule, records: readonly Record<string, unknown>[], by: UserRef): Promise<ZohoRecord[]> {
    const stamp = zohoDateTime(this.now());
    const actor = this.#userRef(by.id) ?? by;
    const created = records.map((input) => {
      // System fields are Zoho's to set, whatever the caller sent.
      const fields = { ...input };
      for (const field of SYSTEM_FIELDS) delete fields[field];
      const owner = lookupId(fields.Owner);
      const record: ZohoRecord = {
        ...fields,
        id: this.#nextId(),
        Owner: (owner && this.#userRef(owner)) ?? actor,
        Created_Time: stamp,
        Modified_Time: stamp,
        Created_By: actor,
        Modified_By: actor,
      };
      this.#nameLookups(record);
      return record;
    });
    const target = this.#org[module] as ZohoRecord[];
    const index = this.#moduleIndex(module);
    for (const record of created) {
      target.push(record);
      index.set(record.id, record);
    }
    await this.#persist();
    return created;
  }

  /** The records in a parent's related list; undefined when the module has no such related list. */
  related(module: RecordModule, id: string, relatedList: string): readonly ZohoRecord[] | undefined {
    const list = RELATED_LISTS[module][relatedList];
    if (!list) return undefined;
    return this.list(list.module).filter((record) => list.belongsTo(record, id));
  }

  /** Records matching Zoho search criteria (a parsed tree or the `(Field:op:value)` text). */
  search(module: RecordModule, criteria: SearchCriteria | string): ZohoRecord[] {
    const parsed = typeof criteria === 'string' ? parseSearchCriteria(criteria) : criteria;
    return this.list(module).filter((record) => matchesCriteria(record, parsed));
  }

  /** Resolves once every write so far is on disk. */
  async flush(): Promise<void> {
    await this.#writes;
  }

  #reindex(): void {
    this.#index.clear();
    let maxId = FIRST_NEW_ID;
    const seen = (id: string) => {
      if (/^\d{1,30}$/.test(id) && BigInt(id) > maxId) maxId = BigInt(id);
    };
    for (const module of STORED_MODULES) {
      const index = this.#moduleIndex(module);
      for (const record of this.#org[module]) {
        index.set(record.id, record);
        seen(record.id);
      }
    }
    for (const user of this.#org.users) seen(user.id);
    this.#lastId = maxId;
  }

  #moduleIndex(module: StoredModule): Map<string, ZohoRecord> {
    let index = this.#index.get(module);
    if (!index) {
      index = new Map();
      this.#index.set(module, index);
    }
    return index;
  }

  #nextId(): string {
    this.#lastId += 1n;
    return String(this.#lastId);
  }

  #userRef(id: string): UserRef | undefined {
    const user = this.user(id);
    return user ? { id: user.id, name: user.full_name, email: user.email } : undefined;
  }

  #nameLookups(record: ZohoRecord): void {
    const named = (module: RecordModule, value: unknown) => {
      const id = lookupId(value);
      const target = id === undefined ? undefined : this.get(module, id);
      const name = target?.[NAME_FIELD[module]];
      return typeof name === 'string' ? { ...(value as object), name } : value;
    };
    const whatModule = record.$se_module;
    if (record.What_Id && typeof whatModule === 'string' && isRecordModule(whatModule)) {
      record.What_Id = named(whatModule, record.What_Id);
    }
    if (record.Who_Id) record.Who_Id = named('Contacts', record.Who_Id);
    for (const field of ['Account_Name', 'Contact_Name'] as const) {
      if (record[field] && typeof record[field] === 'object') {
        record[field] = named(field === 'Account_Name' ? 'Accounts' : 'Contacts', record[field]);
      }
    }
    const parent = record.Parent_Id as { module?: { api_name?: unknown } } | undefined;
    const parentModule = parent?.module?.api_name;
    if (typeof parentModule === 'string' && isRecordModule(parentModule)) {
      record.Parent_Id = named(parentModule, record.Parent_Id);
    }
  }

  async #persist(): Promise<void> {
    // Serialise now, write in order: the file always ends up holding the latest state.
    const json = JSON.stringify(this.#org);
    const file = this.file;
    const tmp = `${file}.${process.pid}.${++this.#tmpCounter}.tmp`;
    const write = this.#writes.then(async () => {
      await writeFile(tmp, json);
      await rename(tmp, file);
    });
    this.#writes = write.catch(() => undefined);
    await write;
  }
}
