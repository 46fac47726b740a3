/**
 * The sandbox org held in memory and mirrored to `<dir>/org.json` after every write, so a restarted
 * sandbox (or a second process opening the same SERGAS_HOME) sees the same CRM. One store can back a
 * server and the tests that poke at it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DeletedRecord,
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
  /** The id of the parent a record of `module` hangs off in this list, if any. */
  parentOf: (record: ZohoRecord) => string | undefined;
}

const lookupId = (value: unknown): string | undefined =>
  value && typeof value === 'object' && 'id' in value && typeof value.id === 'string' ? value.id : undefined;

const byLookup =
  (field: string): RelatedList['parentOf'] =>
  (record) =>
    lookupId(record[field]);

const byWhatId =
  (parentModule: RecordModule): RelatedList['parentOf'] =>
  (record) =>
    record.$se_module === parentModule ? lookupId(record.What_Id) : undefined;

const byParent =
  (parentModule: RecordModule): RelatedList['parentOf'] =>
  (record) => {
    const parent = record.Parent_Id as { id?: unknown; module?: { api_name?: unknown } } | undefined;
    return parent?.module?.api_name === parentModule && typeof parent.id === 'string' ? parent.id : undefined;
  };

const activitiesOf = (parentModule: RecordModule): Record<string, RelatedList> => ({
  Tasks: { module: 'Tasks', parentOf: byWhatId(parentModule) },
  Calls: { module: 'Calls', parentOf: byWhatId(parentModule) },
  Events: { module: 'Events', parentOf: byWhatId(parentModule) },
  Notes: { module: 'Notes', parentOf: byParent(parentModule) },
});

/**
 * The related lists the sandbox serves, by parent module. Activities hang off Accounts and Deals
 * through What_Id + $se_module and off Contacts through Who_Id, as in Zoho.
 */
export const RELATED_LISTS: Readonly<Record<RecordModule, Readonly<Record<string, RelatedList>>>> = {
  Accounts: {
    Contacts: { module: 'Contacts', parentOf: byLookup('Account_Name') },
    Deals: { module: 'Deals', parentOf: byLookup('Account_Name') },
    ...activitiesOf('Accounts'),
  },
  Deals: {
    Stage_History: { module: 'Stage_History', parentOf: byLookup('Deal') },
    ...activitiesOf('Deals'),
  },
  Contacts: {
    Deals: { module: 'Deals', parentOf: byLookup('Contact_Name') },
    Tasks: { module: 'Tasks', parentOf: byLookup('Who_Id') },
    Calls: { module: 'Calls', parentOf: byLookup('Who_Id') },
    Events: { module: 'Events', parentOf: byLookup('Who_Id') },
    Notes: { module: 'Notes', parentOf: byParent('Contacts') },
  },
  Tasks: { Notes: { module: 'Notes', parentOf: byParent('Tasks') } },
  Calls: { Notes: { module: 'Notes', parentOf: byParent('Calls') } },
  Events: { Notes: { module: 'Notes', parentOf: byParent('Events') } },
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
  /** Related lists grouped by parent id, built on first use and dropped by any write. */
  #relatedIndex = new Map<string, Map<string, ZohoRecord[]>>();
  #version = 0;
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

  /**
   * Applies partial updates as Zoho would: the given fields replace the stored ones, system fields are
   * ignored, Modified_Time/Modified_By move to now/`by`, and a deal whose Stage changes gains a
   * Stage_History row. Returns the updated record per change, undefined where no record has that id.
   */
  async update(
    module: RecordModule,
    changes: readonly ({ id: string } & Record<string, unknown>)[],
    by: UserRef,
  ): Promise<(ZohoRecord | undefined)[]> {
    const stamp = zohoDateTime(this.now());
    const actor = this.#userRef(by.id) ?? by;
    const updated = changes.map(({ id, ...input }) => {
      const record = this.get(module, id);
      if (!record) return undefined;
      const fields = { ...input };
      for (const field of SYSTEM_FIELDS) delete fields[field];
      const previousStage = record.Stage;
      const owner = lookupId(fields.Owner);
      if (owner) fields.Owner = this.#userRef(owner) ?? fields.Owner;
      Object.assign(record, fields, { Modified_Time: stamp, Modified_By: actor });
      this.#nameLookups(record);
      if (module === 'Deals' && typeof record.Stage === 'string' && record.Stage !== previousStage) {
        this.#addStageHistory(record, stamp, actor);
      }
      return record;
    });
    if (updated.some(Boolean)) await this.#persist();
    return updated;
  }

  /**
   * Deletes records to the recycle bin: they leave every list and are logged for `deleted()`. Notes
   * under a deleted record and a deleted deal's stage history go with it (Notes cannot exist without a
   * parent); other lookups to it are cleared, so the org never points at a record it no longer holds.
   * Returns the log entries of the records deleted, undefined for an id the module does not hold.
   */
  async delete(module: RecordModule, ids: readonly string[], by: UserRef): Promise<(DeletedRecord | undefined)[]> {
    const stamp = zohoDateTime(this.now());
    const actor = this.#userRef(by.id) ?? by;
    const removed: { module: RecordModule; record: ZohoRecord }[] = [];
    const entries = ids.map((id) => {
      const record = this.get(module, id);
      if (!record) return undefined;
      this.#remove(module, id);
      removed.push({ module, record });
      return this.#logDeletion(module, record, stamp, actor);
    });
    for (const { module: parentModule, record } of removed) this.#detach(parentModule, record.id, stamp, actor);
    if (removed.length > 0) await this.#persist();
    return entries;
  }

  /** The deletion log of one module, oldest first. */
  deleted(module: RecordModule): readonly DeletedRecord[] {
    return (this.#org.deleted_records ?? []).filter((entry) => entry.module === module);
  }

  /**
   * Moves on every write. Lists handed out stay the same arrays between writes, so what is derived from
   * them (sorted orders, groupings) can be cached against the version.
   */
  get version(): number {
    return this.#version;
  }

  /**
   * The records in a parent's related list; undefined when the module has no such related list. A full
   * sync asks for one list per deal, so the list is grouped by parent once per version instead of scanned
   * per call (which made a 10,000-account sync quadratic).
   */
  related(module: RecordModule, id: string, relatedList: string): readonly ZohoRecord[] | undefined {
    const list = RELATED_LISTS[module][relatedList];
    if (!list) return undefined;
    const key = `${module}/${relatedList}`;
    let byParent = this.#relatedIndex.get(key);
    if (!byParent) {
      byParent = new Map();
      for (const record of this.list(list.module)) {
        const parentId = list.parentOf(record);
        if (parentId === undefined) continue;
        const siblings = byParent.get(parentId);
        if (siblings) siblings.push(record);
        else byParent.set(parentId, [record]);
      }
      this.#relatedIndex.set(key, byParent);
    }
    return byParent.get(id) ?? [];
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

  #remove(module: StoredModule, id: string): void {
    const list = this.#org[module] as ZohoRecord[];
    const at = list.findIndex((record) => record.id === id);
    if (at >= 0) list.splice(at, 1);
    this.#moduleIndex(module).delete(id);
  }

  #logDeletion(module: RecordModule, record: ZohoRecord, stamp: string, actor: UserRef): DeletedRecord {
    const name = record[NAME_FIELD[module]] ?? [record.First_Name, record.Last_Name].filter(Boolean).join(' ');
    const creator = record.Created_By as UserRef | undefined;
    const entry: DeletedRecord = {
      module,
      id: record.id,
      display_name: typeof name === 'string' && name !== '' ? name : null,
      type: 'recycle',
      deleted_by: { name: actor.name, id: actor.id },
      created_by: creator ? { name: creator.name, id: creator.id } : null,
      deleted_time: stamp,
    };
    this.#org.deleted_records ??= [];
    this.#org.deleted_records.push(entry);
    return entry;
  }

  /** Removes what cannot outlive a deleted record and clears lookups that pointed at it. */
  #detach(module: RecordModule, id: string, stamp: string, actor: UserRef): void {
    for (const note of [...this.#org.Notes] as ZohoRecord[]) {
      const parent = note.Parent_Id as { id?: unknown; module?: { api_name?: unknown } } | undefined;
      if (parent?.id === id && parent.module?.api_name === module) {
        this.#remove('Notes', note.id);
        this.#logDeletion('Notes', note, stamp, actor);
      }
    }
    if (module === 'Deals') {
      for (const row of [...this.#org.Stage_History]) if (row.Deal.id === id) this.#remove('Stage_History', row.id);
    }
    const clear = (records: readonly ZohoRecord[], field: string, also?: string) => {
      for (const record of records) {
        if (lookupId(record[field]) !== id) continue;
        if (field === 'What_Id' && record.$se_module !== module) continue;
        record[field] = null;
        if (also) record[also] = null;
      }
    };
    const activities = [...this.#org.Tasks, ...this.#org.Calls, ...this.#org.Events] as ZohoRecord[];
    if (module === 'Accounts') {
      clear(this.#org.Contacts, 'Account_Name');
      clear(this.#org.Deals, 'Account_Name');
      clear(this.#org.Accounts, 'Parent_Account');
    }
    if (module === 'Contacts') {
      clear(this.#org.Deals, 'Contact_Name');
      clear(this.#org.Contacts, 'Reporting_To');
      clear(activities, 'Who_Id');
    }
    clear(activities, 'What_Id', '$se_module');
  }

  #addStageHistory(deal: ZohoRecord, stamp: string, actor: UserRef): void {
    const number = (value: unknown) => (typeof value === 'number' ? value : null);
    const amount = number(deal.Amount);
    const probability = number(deal.Probability);
    const row = {
      id: this.#nextId(),
      Deal: { id: deal.id, name: typeof deal.Deal_Name === 'string' ? deal.Deal_Name : null },
      Stage: deal.Stage as string,
      Modified_Time: stamp,
      Modified_By: actor,
      Amount: amount,
      Probability: probability,
      Expected_Revenue: amount !== null && probability !== null ? Math.round((amount * probability) / 100) : null,
      Closing_Date: typeof deal.Closing_Date === 'string' ? deal.Closing_Date : null,
    };
    this.#org.Stage_History.push(row);
    this.#moduleIndex('Stage_History').set(row.id, row);
  }

  #changed(): void {
    this.#version += 1;
    this.#relatedIndex.clear();
  }

  #reindex(): void {
    this.#changed();
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
    this.#changed();
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
