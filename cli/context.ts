import { type LocalContainer, type OpenOptions, openLocalContainer } from '../local/local-stack.ts';
import type { Config } from '../shared/config/config.ts';

export interface CliContext {
  options(): { json?: boolean; asOf?: string };
  config(): Config;
  /** Who is acting, for the audit trail. */
  actor(): string;
}

/** Opens the container for one command and always closes it (letting parked runs settle first). */
export async function withContainer<T>(
  context: CliContext,
  work: (container: LocalContainer) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const container = await openLocalContainer(context.config(), options);
  try {
    return await work(container);
  } finally {
    await container.close();
  }
}
