import { readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/sync/crm-notifications.ts';
import { lambdaContextFor } from '../../../local/lambda-context.ts';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { DEFAULT_SANDBOX_ADMIN_SECRET, SANDBOX_ADMIN_HEADER } from '../../../local/zoho-sandbox/sandbox-faults.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { freshPostgres, type TestDatabase } from '../../support/databases.ts';
import { tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
/** What Lambda's SQS event source delivers: six queued notifications, two of them unreadable. */
const batch = JSON.parse(
  readFileSync(new URL('../../fixtures/sqs/zoho-notifications-batch.json', import.meta.url), 'utf8'),
) as SQSEvent;
const ACME = '4876876000000001001';
const BRIGHTLINE = '4876876000000001002';
const LAURA_CHEN = '4876876000000002001';
const PREMIUM_SUPPORT_DEAL = '4876876000000003002';
const UNREADABLE = ['8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c52', '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d55'];

const consume = (event: unknown) => handler(event as SQSEvent, lambdaContextFor('sergas-dev-sync-notifications'));

// The consumer on AWS, against the real Postgres and the Zoho sandbox: what the webhook queued is applied
// message by message, and only the messages that failed go back to the queue.
describe('the queued Zoho notification consumer', () => {
  let deps: LocalContainer;
  let database: TestDatabase;
  let removeHome: () => Promise<void>;

  beforeAll(async () => {
    const home = await tempHome();
    removeHome = home.remove;
    database = await freshPostgres();
    deps = await openLocalContainer(home.config({ DATABASE_URL: database.url! }));
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
    await syncFull(deps);
    // Changes made in Zoho after the sync, which the queued notifications announce.
    const editor = { id: deps.sandbox.store!.users()[0]!.id, name: 'Direct edit' };
    await deps.sandbox.store!.update('Accounts', [{ id: ACME, Industry: 'Biotechnology' }], editor);
    await deps.sandbox.store!.update('Contacts', [{ id: LAURA_CHEN, Title: 'Chief Executive Officer' }], editor);
  });
  afterAll(async () => {
    await deps?.close();
    await database?.drop();
    await removeHome?.();
  });

  it('applies every readable message once and reports only the unreadable ones as batch item failures', async () => {
    expect((await deps.copy.loadSnapshot(ACME))?.deals.map((deal) => deal.id)).toContain(PREMIUM_SUPPORT_DEAL);
    const callsBefore = deps.crm.apiCalls;

    const response = await consume(batch);

    expect(response).toEqual({ batchItemFailures: UNREADABLE.map((itemIdentifier) => ({ itemIdentifier })) });
    const acme = await deps.copy.loadSnapshot(ACME);
    expect(acme?.account.industry).toBe('Biotechnology');
    expect(acme?.contacts.find((contact) => contact.id === LAURA_CHEN)?.title).toBe('Chief Executive Officer');
    expect(acme?.deals.map((deal) => deal.id)).not.toContain(PREMIUM_SUPPORT_DEAL);
    // ACME's update was queued twice (Zoho retried the callback): fetched once. The deletion fetches nothing.
    expect(deps.crm.apiCalls - callsBefore).toBe(2);
  });

  it('recognises a redelivered batch as applied already and fails the same two again', async () => {
    const callsBefore = deps.crm.apiCalls;
    expect(await consume(batch)).toEqual({
      batchItemFailures: UNREADABLE.map((itemIdentifier) => ({ itemIdentifier })),
    });
    expect(deps.crm.apiCalls).toBe(callsBefore);
  });

  it('returns a message that failed because Zoho was down, and applies it when it is redelivered', async () => {
    const editor = { id: deps.sandbox.store!.users()[0]!.id, name: 'Direct edit' };
    await deps.sandbox.store!.update('Accounts', [{ id: BRIGHTLINE, Industry: 'Aerospace' }], editor);
    const [template] = batch.Records;
    const record = {
      ...template!,
      messageId: '9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b57',
      body: JSON.stringify({
        channel_id: '1000000068001',
        module: 'Accounts',
        operation: 'update',
        ids: [BRIGHTLINE],
        server_time: 1_764_158_460_000,
      }),
    };
    const faults = (change: Record<string, unknown>) =>
      fetch(`${deps.sandbox.url}/sandbox/admin/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', [SANDBOX_ADMIN_HEADER]: DEFAULT_SANDBOX_ADMIN_SECRET },
        body: JSON.stringify(change),
      });

    expect((await faults({ restOutage: true, mcpOutage: true })).ok).toBe(true);
    try {
      expect(await consume({ Records: [record] })).toEqual({
        batchItemFailures: [{ itemIdentifier: record.messageId }],
      });
    } finally {
      await faults({ clear: true });
    }
    expect((await deps.copy.loadSnapshot(BRIGHTLINE))?.account.industry).not.toBe('Aerospace');

    // The failed attempt gave its claim back: the redelivery is applied, not taken for a replay.
    expect(
      await consume({ Records: [{ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }] }),
    ).toEqual({
      batchItemFailures: [],
    });
    expect((await deps.copy.loadSnapshot(BRIGHTLINE))?.account.industry).toBe('Aerospace');
  });

  it('returns the whole batch when the event is not an SQS batch', async () => {
    await expect(consume({ Records: [{ body: '{}' }] })).rejects.toThrow(/Invalid SQS event/);
  });
});
