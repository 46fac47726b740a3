import { type AccessScope, canSeeOwner, FULL_ACCESS, scopeOf } from '../auth/access-scope.ts';
import type { Principal } from '../auth/principal.ts';
import { NotFoundError } from '../errors.ts';
import type { Listings } from '../ports/listings.ts';

export interface AccessDeps {
  listings: Pick<Listings, 'ownerLinks' | 'ownerOfAccount'>;
}

/** What a principal may see: only a manager's needs the CRM's reporting lines. */
export async function resolveAccessScope(deps: AccessDeps, principal: Principal): Promise<AccessScope> {
  if (principal.role === 'admin') return FULL_ACCESS;
  return scopeOf(principal, principal.role === 'manager' ? await deps.listings.ownerLinks() : []);
}

/** Whether the scope covers the account (an account the copy does not know is covered only by full access). */
export async function canSeeAccount(deps: AccessDeps, scope: AccessScope, accountId: string): Promise<boolean> {
  if (scope.kind === 'all') return true;
  return canSeeOwner(scope, await deps.listings.ownerOfAccount(accountId));
}

/**
 * Reading something of an account outside the scope answers exactly like reading something that does not
 * exist, so ids of other people's accounts are not confirmed to exist.
 */
export async function assertCanSeeAccount(
  deps: AccessDeps,
  scope: AccessScope,
  accountId: string,
  notFound: () => NotFoundError = () => new NotFoundError('Account', accountId),
): Promise<void> {
  if (!(await canSeeAccount(deps, scope, accountId))) throw notFound();
}
