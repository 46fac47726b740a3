import type { Principal } from './principal.ts';

/**
 * Which accounts a principal may see, by account owner: an admin everything, a manager the accounts of
 * the CRM users who report to them (directly or through other managers) and their own, a rep their own.
 * Use cases take it as an argument and apply it in one place each; handlers never filter.
 */
export type AccessScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'owners'; readonly ownerIds: ReadonlySet<string> };

export const FULL_ACCESS: AccessScope = { kind: 'all' };

/** A CRM user and whom they report to (Zoho's `Reporting_To`). */
export interface OwnerLink {
  id: string;
  managerId: string | null;
}

export function scopeOf(principal: Principal, owners: readonly OwnerLink[] = []): AccessScope {
  if (principal.role === 'admin') return FULL_ACCESS;
  const self = principal.zohoUserId;
  if (!self) return { kind: 'owners', ownerIds: new Set() };
  const ownerIds = new Set([self]);
  if (principal.role === 'manager') {
    const reports = Map.groupBy(
      owners.filter((owner) => owner.managerId),
      (owner) => owner.managerId!,
    );
    // Breadth-first down the reporting lines; the set also stops a cycle in the CRM's data.
    const queue = [self];
    for (let manager = queue.shift(); manager !== undefined; manager = queue.shift()) {
      for (const report of reports.get(manager) ?? []) {
        if (ownerIds.has(report.id)) continue;
        ownerIds.add(report.id);
        queue.push(report.id);
      }
    }
  }
  return { kind: 'owners', ownerIds };
}

export function canSeeOwner(scope: AccessScope, ownerId: string | null | undefined): boolean {
  return scope.kind === 'all' || (ownerId !== null && ownerId !== undefined && scope.ownerIds.has(ownerId));
}

/** The owner ids to filter by, or null for no filter. */
export const ownerFilterOf = (scope: AccessScope): readonly string[] | null =>
  scope.kind === 'all' ? null : [...scope.ownerIds];
