/** Starting a TCP server with an error a user can act on: the metrics endpoint and the HTTP ingress share it. */
import type { Server } from 'node:net';
import { ConfigError } from './errors.ts';

/** Names {@link listenOn} puts in its error, so the message points at the right setting. */
export interface ListenNames {
  /** What is being served, e.g. `'metrics'`: "cannot serve <what> on host:port". */
  what: string;
  /** How to pick another port, e.g. `'metrics port'`: "pick another <port> (0 picks a free one)". */
  port: string;
}

/**
 * Starts `server` listening on `host:port` and resolves with the port it took (the one picked for
 * port 0). When the port cannot be taken it rejects with a ConfigError that names the fix (the
 * command line prints it as one line, without a stack), keeping the system error as `cause`.
 */
export async function listenOn(
  server: Server,
  port: number,
  host: string,
  names: ListenNames,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      reject(
        new ConfigError(`cannot serve ${names.what} on ${host}:${port}: ${why(err, names)}`, { cause: err }),
      );
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

function why(err: NodeJS.ErrnoException, names: ListenNames): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `the port is in use: pick another ${names.port} (0 picks a free one)`;
    case 'EACCES':
      return 'not allowed: ports below 1024 need privileges; pick a higher one';
    case 'EADDRNOTAVAIL':
      return 'no interface of this machine has that address: listen on 127.0.0.1, 0.0.0.0 or one of its own';
    default:
      return err.message;
  }
}
