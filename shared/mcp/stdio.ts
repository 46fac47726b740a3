import { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { AccessScope } from '../auth/access-scope.ts';
import type { Principal } from '../auth/principal.ts';
import type { Container } from '../runtime/container.ts';
import { resolveAccessScope } from '../use-cases/access.ts';
import { createMcpServer } from './server.ts';

/**
 * Serves the MCP server on stdin/stdout until the client closes stdin. Stdout belongs to the protocol, so
 * anything else the process would print there (logs) goes to stderr while it runs.
 */
export async function serveMcpOverStdio(options: {
  deps: Container;
  principal: Principal;
  settle?: () => Promise<void>;
}): Promise<void> {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout) as (chunk: unknown, callback?: (error?: Error | null) => void) => boolean;
  const protocol = new Writable({
    write(chunk, _encoding, callback) {
      write(chunk, callback);
    },
  });
  stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    (process.stderr.write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof stdout.write;

  let scope: Promise<AccessScope> | undefined;
  const server = createMcpServer({
    deps: options.deps,
    principal: options.principal,
    scope: () => {
      scope ??= resolveAccessScope(options.deps, options.principal);
      return scope;
    },
    ...(options.settle ? { settle: options.settle } : {}),
  });
  const transport = new StdioServerTransport(process.stdin, protocol);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
  });
  try {
    await server.connect(transport);
    await closed;
  } finally {
    await server.close().catch(() => undefined);
    stdout.write = write as typeof stdout.write;
  }
}
