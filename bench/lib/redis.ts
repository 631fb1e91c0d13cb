/**
 * The Redis a benchmark runs against: a private redis-server (no persistence, its own temp dir)
 * unless REDIS_URL is set, in which case the run uses a fresh namespace there and deletes its keys
 * at the end. Either way `close()` leaves nothing behind, also on Ctrl-C.
 *
 * @example
 * ```ts
 * const target = await openBenchRedis('bench-x');
 * try {
 *   const redis = target.client();
 *   // ... use target.namespace for Keys / connect({ redis: target.url, namespace: target.namespace })
 * } finally {
 *   await target.close();
 * }
 * ```
 */
import { Redis } from 'ioredis';
import { dropNamespace, freshNamespace } from '../../tools/namespace.ts';
import { startPrivateRedis, type PrivateRedisOptions } from '../../tools/private-redis.ts';

export interface BenchRedis {
  /** `redis://…` — for `connect({ redis })` or worker processes. */
  url: string;
  /** A namespace no other run uses. */
  namespace: string;
  /** `private`: started here, stopped by close(); `external`: REDIS_URL, namespace dropped by close(). */
  kind: 'private' | 'external';
  /** A new client; close() disconnects it. */
  client(): Redis;
  /** Server facts worth recording next to results. */
  serverInfo(): Promise<{ version: string; usedMemory: number }>;
  close(): Promise<void>;
}

export interface BenchRedisOptions {
  /** Extra redis-server arguments for the private server. */
  serverArgs?: PrivateRedisOptions['args'];
  /** The Redis URL to use instead of a private server (default: process.env.REDIS_URL). */
  url?: string;
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

export async function openBenchRedis(prefix: string, options: BenchRedisOptions = {}): Promise<BenchRedis> {
  const externalUrl = options.url ?? process.env.REDIS_URL;
  const namespace = freshNamespace(prefix);
  const server = externalUrl
    ? undefined
    : await startPrivateRedis(options.serverArgs ? { args: options.serverArgs } : {});
  const url = externalUrl ?? server!.url;
  const clients: Redis[] = [];
  let closed: Promise<void> | undefined;

  const close = (): Promise<void> =>
    (closed ??= (async () => {
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigint);
      for (const c of clients.splice(0)) c.disconnect();
      if (server) await server.stop();
      else await dropNamespace(url, namespace);
    })());
  const onSigint = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: cleaning up ${server ? 'the private redis-server' : namespace} …\n`);
    close().then(
      () => process.exit(130),
      () => process.exit(130),
    );
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);

  const client = (): Redis => {
    const c = new Redis(url, { maxRetriesPerRequest: 3 });
    clients.push(c);
    return c;
  };

  return {
    url,
    namespace,
    kind: server ? 'private' : 'external',
    client,
    async serverInfo() {
      const c = new Redis(url, { maxRetriesPerRequest: 3 });
      try {
        const info = await c.info();
        return {
          version: infoField(info, 'redis_version') ?? 'unknown',
          usedMemory: Number(infoField(info, 'used_memory') ?? NaN),
        };
      } finally {
        c.disconnect();
      }
    },
    close,
  };
}
