import { type LocalContainer, openLocalContainer } from '../../local/local-stack.ts';
import { loadSandboxFile } from '../../local/zoho-sandbox/sandbox-org.ts';
import type { Notifier, OutboundMessage } from '../../shared/ports/notifier.ts';
import { syncFull } from '../../shared/use-cases/sync-full.ts';
import { freshPostgres } from './databases.ts';
import { tempHome } from './local-home.ts';

/** Extra environment for a local home, and how to drop what it made. */
export type LocalBackend = { env: Record<string, string>; drop(): Promise<void> };

/** The embedded database (PGlite, the home's default), and the real Postgres through DATABASE_URL. */
export function localBackends(): [string, () => Promise<LocalBackend>][] {
  return [
    ['pglite', async () => ({ env: {}, drop: async () => undefined })],
    [
      'postgres',
      async () => {
        const database = await freshPostgres();
        return { env: { DATABASE_URL: database.url! }, drop: () => database.drop() };
      },
    ],
  ];
}

/** Keeps every message it is given, as if one channel took it. */
export class RecordingNotifier implements Notifier {
  readonly sent: OutboundMessage[] = [];
  async send(message: OutboundMessage) {
    this.sent.push(message);
    return [{ channel: 'fake', id: String(this.sent.length) }];
  }
}

/**
 * A local stack on a backend of `localBackends()`, its sandbox loaded with `fixture` and copied by a full
 * sync; `close` releases the stack, the database and the home.
 */
export async function openSyncedStack(
  makeBackend: () => Promise<LocalBackend>,
  fixture: string,
): Promise<{ deps: LocalContainer; close(): Promise<void> }> {
  const home = await tempHome();
  const backend = await makeBackend();
  const deps = await openLocalContainer(home.config(backend.env));
  await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
  await syncFull(deps);
  return {
    deps,
    close: async () => {
      await deps.close();
      await backend.drop();
      await home.remove();
    },
  };
}
