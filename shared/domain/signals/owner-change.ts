import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';

/** DOMAIN-RULES `owner_change`: the owner differs from the last reviewed baseline → high. */
export function ownerChangeSignal(snapshot: AccountSnapshot): Signal | undefined {
  const { baseline, account } = snapshot;
  const previousOwnerId = baseline?.fields.Owner;
  // No baseline (first review) or one that never recorded an owner: nothing to compare with.
  if (!baseline || previousOwnerId === undefined || previousOwnerId === null) return undefined;
  if (String(previousOwnerId) === account.ownerId) return undefined;
  const previousName = baseline.fields.Owner_Name ?? String(previousOwnerId);
  return {
    type: 'owner_change',
    severity: 'high',
    detail: `Owner changed from ${previousName} to ${account.ownerName} since the review of ${baseline.reviewedAt.toISOString().slice(0, 10)}`,
    evidence: [
      // The "before" lives in our own review baseline, the "after" in the CRM record.
      { module: 'Baseline', id: baseline.runId ?? baseline.accountId, field: 'Owner', value: previousName },
      { module: 'Accounts', id: account.id, field: 'Owner', value: account.ownerName },
    ],
  };
}
