import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../infra/constructs/qdrant-start.sh', import.meta.url).pathname;

/**
 * Stands in for the image's /qdrant/qdrant: records its arguments, then either exits with
 * FAKE_EXIT_CODE (a recovery that failed) or answers /healthz on Qdrant's HTTP port until SIGTERM.
 */
const FAKE_QDRANT = `#!/usr/bin/env node
const fs = require('node:fs');
const http = require('node:http');
const started = () => fs.writeFileSync('args.json', JSON.stringify(process.argv.slice(2)));
if (process.env.FAKE_EXIT_CODE) {
  started();
  process.exit(Number(process.env.FAKE_EXIT_CODE));
}
const server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
process.on('SIGTERM', () => {
  fs.writeFileSync('terminated', '');
  server.close(() => process.exit(143));
});
server.listen(Number(process.env.QDRANT__SERVICE__HTTP_PORT), '127.0.0.1', started);
`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let root: string;
let storage: string;
let snapshots: string;
let port: number;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'qdrant-start-'));
  storage = join(root, 'storage');
  snapshots = join(root, 'snapshots');
  mkdirSync(storage);
  mkdirSync(snapshots);
  writeFileSync(join(root, 'qdrant'), FAKE_QDRANT);
  chmodSync(join(root, 'qdrant'), 0o755);
  port = await freePort();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A real tar archive (what Qdrant writes), modified `minutesAgo` before now. */
function snapshot(collection: string, name: string, minutesAgo: number, content = name): string {
  const dir = join(snapshots, collection);
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(root, 'tar-'));
  writeFileSync(join(work, 'config.json'), JSON.stringify({ content, padding: 'x'.repeat(4000) }));
  const file = join(dir, name);
  execFileSync('tar', ['-cf', file, '-C', work, 'config.json']);
  const at = new Date(Date.now() - minutesAgo * 60_000);
  utimesSync(file, at, at);
  return file;
}

function start(env: Record<string, string> = {}): {
  child: ChildProcess;
  exited: Promise<number | null>;
  log: () => string;
} {
  let stderr = '';
  // A previous start's record would pass for this one's and end the wait before Qdrant starts.
  rmSync(join(root, 'args.json'), { force: true });
  const child = spawn('sh', [SCRIPT], {
    cwd: root,
    env: {
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      QDRANT__STORAGE__STORAGE_PATH: storage,
      QDRANT__STORAGE__SNAPSHOTS_PATH: snapshots,
      QDRANT__SERVICE__HTTP_PORT: String(port),
      ...env,
    },
  });
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, log: () => stderr };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const argsOf = () => JSON.parse(readFileSync(join(root, 'args.json'), 'utf8')) as string[];
const pending = () => join(snapshots, '.recovering');

/** Runs the script until Qdrant serves (or exits), then stops it like ECS does, with SIGTERM. */
async function startAndStop(env: Record<string, string> = {}) {
  const run = start(env);
  await until(() => existsSync(join(root, 'args.json')), 'Qdrant to start');
  if (!env.FAKE_EXIT_CODE) {
    await until(() => !existsSync(pending()) || run.log().includes('serving'), 'Qdrant to serve');
    run.child.kill('SIGTERM');
  }
  return { code: await run.exited, log: run.log() };
}

describe('the Qdrant start script', () => {
  it('starts Qdrant with nothing to recover when no snapshot exists', async () => {
    const { code } = await startAndStop();

    expect(argsOf()).toEqual([]);
    expect(existsSync(pending())).toBe(false);
    // SIGTERM reached Qdrant, and its exit status is the script's.
    expect(existsSync(join(root, 'terminated'))).toBe(true);
    expect(code).toBe(143);
  });

  it('recovers each missing collection from its newest complete snapshot, by modification time', async () => {
    snapshot('account-features', 'account-features-900-2026-11-22-02-03-40.snapshot', 3 * 1440);
    const newest = snapshot('account-features', 'account-features-100-2026-11-23-02-03-40.snapshot', 2 * 1440);
    // Taken after it, but cut short: not a whole archive.
    const cut = snapshot('account-features', 'account-features-5-2026-11-24-02-03-40.snapshot', 1440);
    writeFileSync(cut, readFileSync(cut).subarray(0, 700));
    const notes = snapshot('activity-text', 'activity-text-100-2026-11-23-02-03-41.snapshot', 2 * 1440);
    // Already in storage (the same volume again): never overwritten.
    snapshot('kept', 'kept-100-2026-11-23-02-03-42.snapshot', 1440);
    mkdirSync(join(storage, 'collections', 'kept'), { recursive: true });
    // Qdrant's temporary files, and a collection with no snapshot left.
    snapshot('tmp', 'half-written.snapshot', 1);
    mkdirSync(join(snapshots, 'emptied'));

    const { log } = await startAndStop();

    expect(argsOf()).toEqual(['--snapshot', `${newest}:account-features`, '--snapshot', `${notes}:activity-text`]);
    expect(log).toContain(`skipping ${cut}: not a complete snapshot`);
    expect(log).toContain('emptied has no complete snapshot: it starts empty');
    // It served, so the recovery is not held against these files.
    expect(existsSync(pending())).toBe(false);
    expect(existsSync(newest)).toBe(true);
  });

  it('skips a snapshot whose checksum file does not match it', async () => {
    const older = snapshot('account-features', 'account-features-1-2026-11-22-02-03-40.snapshot', 2 * 1440);
    const newer = snapshot('account-features', 'account-features-2-2026-11-23-02-03-40.snapshot', 1440);
    writeFileSync(`${newer}.checksum`, 'f'.repeat(64));
    const digest = execFileSync('sha256sum', [older], { encoding: 'utf8' }).slice(0, 64);
    writeFileSync(`${older}.checksum`, digest);

    await startAndStop();

    expect(argsOf()).toEqual(['--snapshot', `${older}:account-features`]);
  });

  it('sets aside the snapshots of a start that never served, and recovers from the next older ones', async () => {
    const older = snapshot('account-features', 'account-features-1-2026-11-22-02-03-40.snapshot', 2 * 1440);
    const newer = snapshot('account-features', 'account-features-2-2026-11-23-02-03-40.snapshot', 1440);

    // Qdrant fails while recovering (a snapshot it cannot read): the task stops before serving.
    const failed = await startAndStop({ FAKE_EXIT_CODE: '101' });
    expect(failed.code).toBe(101);
    expect(argsOf()).toEqual(['--snapshot', `${newer}:account-features`]);
    expect(readFileSync(pending(), 'utf8')).toBe(`${newer}\n`);

    // ECS starts a new task.
    const { log } = await startAndStop();

    expect(log).toContain(`the last start recovered ${newer} and never served: setting it aside as ${newer}.failed`);
    expect(existsSync(`${newer}.failed`)).toBe(true);
    expect(argsOf()).toEqual(['--snapshot', `${older}:account-features`]);
    expect(existsSync(pending())).toBe(false);
  });

  it('is plain POSIX sh', () => {
    // dash is the image's /bin/sh; -n parses without running.
    expect(() => execFileSync('dash', ['-n', SCRIPT])).not.toThrow();
    expect(readFileSync(SCRIPT, 'utf8').split('\n')[0]).toBe('#!/bin/sh');
  });
});
