import type { AccountBaseline } from '../domain/crm.ts';

/** The snapshot of each account's last completed review, kept with no expiry. */
export interface BaselineRepository {
  get(accountId: string): Promise<AccountBaseline | null>;
  save(baseline: AccountBaseline): Promise<void>;
}
