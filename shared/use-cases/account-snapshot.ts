import type { AccountSnapshot } from '../domain/crm.ts';
import { NotFoundError } from '../errors.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';

export interface SnapshotDeps {
  copy: CrmCopyReader;
  baselines: BaselineRepository;
}

/** The account as the durable copy holds it, with the baseline of its last completed review. */
export async function loadAccountSnapshot(deps: SnapshotDeps, accountId: string): Promise<AccountSnapshot> {
  const snapshot = await deps.copy.loadSnapshot(accountId);
  if (!snapshot) throw new NotFoundError('Account', accountId);
  return { ...snapshot, baseline: await deps.baselines.get(accountId) };
}
