/**
 * Listening and closing for the sandbox's `node:http` servers (REST with MCP mounted, or MCP alone), so
 * both report their origin and shut down the same way.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** e.g. `http://127.0.0.1:41234`, with an IPv6 address in brackets. */
  origin: string;
  port: number;
  /** Stops listening and drops open connections: keep-alive sockets would otherwise hold close() open. */
  close(): Promise<void>;
}

/** Listens on `host:port` (0 picks a free port) and resolves once the port is bound. */
export async function listen(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    origin: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
