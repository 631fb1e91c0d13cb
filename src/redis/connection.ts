import { Redis, type RedisOptions } from 'ioredis';

/** Where to find Redis: a URL (`redis://host:port/db`, `rediss://…`, `unix:///path`) or ioredis options. */
export type RedisInput = string | RedisOptions | undefined;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Opens a connection. Commands whose reply was lost in a disconnect are failed rather than silently
 * re-sent: a re-sent tell would duplicate a message, and the worker recovers on its own terms.
 */
export function openRedis(input: RedisInput, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
    ...extra,
  };
  const source = input ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (typeof source === 'string') {
    if (source.startsWith('unix://')) return new Redis({ ...base, path: source.slice('unix://'.length) });
    if (source.startsWith('/')) return new Redis({ ...base, path: source });
    return new Redis(source, base);
  }
  return new Redis({ ...source, ...base });
}

export function describeRedis(input: RedisInput): string {
  const source = input ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (typeof source === 'string') return source.replace(/\/\/[^@/]*@/, '//***@');
  return source.path ?? `${source.host ?? '127.0.0.1'}:${source.port ?? 6379}`;
}
