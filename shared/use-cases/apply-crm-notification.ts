import { timingSafeEqual } from 'node:crypto';
import {
  type AccountLinks,
  type MappingResult,
  toAccount,
  toActivity,
  toContact,
  toDeal,
  toNote,
  ZOHO_FIELDS,
} from '../domain/zoho-mapping.ts';
import { UnauthorizedError } from '../errors.ts';
import type { Cache } from '../ports/cache.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmClient, CrmModule, ZohoRecord } from '../ports/crm-client.ts';
import type { CrmCopy } from '../ports/crm-copy.ts';
import type { CrmNotification, NotificationApplied, VerifiedCrmNotification } from '../ports/notification-inbox.ts';

export type { CrmNotification, NotificationApplied, VerifiedCrmNotification };

export interface ApplyNotificationDeps {
  crm: CrmClient;
  copy: CrmCopy;
  cache: Cache;
  clock: Clock;
}

const MODULES = new Set<string>(['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes']);
const DEDUP_TTL_SECONDS = 24 * 3600;

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The token echoed in the body must be the one we registered the channel with. Returns what applying
 * needs and nothing more: no token, and none of Zoho's other fields (affected field values among them).
 */
export function verifyCrmNotification(
  notification: CrmNotification,
  expectedToken: string | null,
): VerifiedCrmNotification {
  if (!expectedToken || !sameSecret(notification.token, expectedToken)) {
    throw new UnauthorizedError('The notification token does not match the registered channel');
  }
  const { channel_id, module, operation, ids, server_time } = notification;
  return { channel_id, module, operation, ids, server_time };
}

/**
 * Zoho says records changed (ids only).
 * 1. the token echoed in the body must be the one we registered the channel with
 * 2-3. applied as {@link applyVerifiedCrmNotification} says
 */
export async function applyCrmNotification(
  deps: ApplyNotificationDeps,
  input: { notification: CrmNotification; expectedToken: string | null },
): Promise<NotificationApplied> {
  return applyVerifiedCrmNotification(deps, verifyCrmNotification(input.notification, input.expectedToken));
}

/**
 * A notification whose token was checked (by the webhook, before it was queued).
 * 2. each notification is applied once: a repeat (Zoho retries) is recognised in the cache; a failed
 *    attempt gives its claim back, so the retry (Zoho's, or the queue's redelivery) is applied, not skipped
 * 3. the records are fetched and written to the copy with the same mapping and hash check as the sync;
 *    deleted ones are marked deleted (kept, hidden), as the incremental sync does
 */
export async function applyVerifiedCrmNotification(
  deps: ApplyNotificationDeps,
  n: VerifiedCrmNotification,
): Promise<NotificationApplied> {
  const key = `zoho-notification:${n.channel_id}:${n.module}:${n.operation}:${n.server_time}:${[...n.ids].sort().join(',')}`;
  if (!(await deps.cache.setIfAbsent(key, '1', DEDUP_TTL_SECONDS))) return { duplicate: true, applied: 0, skipped: [] };
  try {
    return await applyOnce(deps, n);
  } catch (error) {
    // The cache failing too must not hide why the notification failed.
    await deps.cache.delete(key).catch(() => undefined);
    throw error;
  }
}

async function applyOnce(deps: ApplyNotificationDeps, n: VerifiedCrmNotification): Promise<NotificationApplied> {
  if (!MODULES.has(n.module)) return { duplicate: false, applied: 0, skipped: n.ids };
  const module = n.module as CrmModule;
  if (n.operation === 'delete') {
    const applied = await deps.copy.markDeleted(module, n.ids, deps.clock.now());
    return { duplicate: false, applied, skipped: [] };
  }

  const fields = ZOHO_FIELDS[module];
  const records = (await Promise.all(n.ids.map((id) => deps.crm.getRecord(module, id, fields)))).filter(
    (r): r is ZohoRecord => r !== null,
  );
  const now = deps.clock.now();
  const ok = <T>(raw: ZohoRecord, result: MappingResult<T>) => (result.ok ? [{ value: result.value, raw }] : []);
  switch (module) {
    case 'Accounts':
      await deps.copy.upsertAccounts(
        records.flatMap((r) => ok(r, toAccount(r))),
        now,
      );
      break;
    case 'Contacts':
      await deps.copy.upsertContacts(
        records.flatMap((r) => ok(r, toContact(r))),
        now,
      );
      break;
    case 'Deals':
      await deps.copy.upsertDeals(
        records.flatMap((r) => ok(r, toDeal(r))),
        now,
      );
      break;
    default: {
      const lookupIds = (field: string) =>
        records.flatMap((r) => {
          const ref = r[field] as { id?: string } | undefined;
          return ref?.id ? [ref.id] : [];
        });
      const known = await deps.copy.accountsOf({
        dealIds: lookupIds('What_Id'),
        contactIds: [...lookupIds('Who_Id'), ...lookupIds('What_Id')],
      });
      const links: AccountLinks = {
        accountOfDeal: (id) => known.deals.get(id),
        accountOfContact: (id) => known.contacts.get(id),
      };
      if (module === 'Notes')
        await deps.copy.upsertNotes(
          records.flatMap((r) => ok(r, toNote(r, links))),
          now,
        );
      else
        await deps.copy.upsertActivities(
          records.flatMap((r) => ok(r, toActivity(module, r, links))),
          now,
        );
    }
  }
  return {
    duplicate: false,
    applied: records.length,
    skipped: n.ids.filter((id) => !records.some((r) => r.id === id)),
  };
}
