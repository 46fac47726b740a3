import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config/config.ts';
import { loadConfig } from '../../shared/config/config.ts';

/** A throwaway SERGAS_HOME, so every test has its own embedded state. */
export async function tempHome(): Promise<{
  home: string;
  config(env?: Record<string, string>): Config;
  remove(): Promise<void>;
}> {
  const home = await mkdtemp(join(tmpdir(), 'sergas-test-'));
  return {
    home,
    config: (env = {}) => loadConfig({ SERGAS_HOME: home, SERGAS_DEMO_ACCOUNTS: '20', ...env }),
    remove: () => rm(home, { recursive: true, force: true }),
  };
}

/** The instant the small-org fixture is written against. */
export const FIXTURE_AS_OF = new Date('2026-11-24T00:00:00Z');
