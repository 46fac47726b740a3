import { spawn } from 'node:child_process';

const bin = new URL('../../bin/sergas.js', import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sergas` in its own process, as a user would. */
export function sergas(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts a long-running `sergas` process and resolves once its stdout has printed a whole JSON document. */
export function sergasServer(args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const ready = new Promise<unknown>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      try {
        resolve(JSON.parse(stdout));
      } catch {
        // not a whole document yet
      }
    });
    child.on('close', (code) => reject(new Error(`sergas exited with ${code} before it was ready:\n${stderr}`)));
  });
  return {
    ready,
    stderr: () => stderr,
    stop: () =>
      new Promise<number>((resolve) => {
        child.removeAllListeners('close');
        child.on('close', (code) => resolve(code ?? -1));
        child.kill('SIGTERM');
      }),
  };
}
