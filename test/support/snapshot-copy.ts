import type { AccountSnapshot } from '../../shared/domain/crm.ts';
import type { CrmCopyReader } from '../../shared/ports/crm-copy.ts';

/** The part of the CRM copy's reading side the memory use cases need, over a fixed set of snapshots. */
export function snapshotCopy(snapshots: AccountSnapshot[]): Pick<
  CrmCopyReader,
  'loadSnapshot' | 'loadSnapshots' | 'listAccounts'
> & {
  put(snapshot: AccountSnapshot): void;
  remove(id: string): void;
} {
  const byId = new Map(snapshots.map((s) => [s.account.id, s]));
  return {
    async loadSnapshot(id) {
      const snapshot = byId.get(id);
      return snapshot ? { ...snapshot } : null;
    },
    async loadSnapshots(ids) {
      return new Map(ids.flatMap((id) => (byId.has(id) ? [[id, { ...byId.get(id)! }] as const] : [])));
    },
    async listAccounts() {
      return [...byId.values()].map((s) => s.account).sort((a, b) => a.name.localeCompare(b.name));
    },
    put(snapshot) {
      byId.set(snapshot.account.id, snapshot);
    },
    remove(id) {
      byId.delete(id);
    },
  };
}
