import { Redis, type RedisOptions } from 'ioredis';
import { silentLogger, type Logger } from '../logger.ts';

/** Where to find Redis: a URL (`redis://host:port/db`, `rediss://…`, `unix:///path`) or ioredis options. */
export type RedisInput = string | RedisOptions | undefined;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Opens a connection. Commands whose reply was lost in a disconnect are failed rather than silently
 * re-sent: a re-sent tell would duplicate a message, and the worker recovers on its own terms.
 */
export function openRedis(input: RedisInput, extra: RedisOptions = {}, logger: Logger = silentLogger): Redis {
  const redis = create(input, extra);
  // ioredis emits 'error' on every failed reconnect; commands report failures to their callers, so
  // only the start of an outage is worth a log line
  let healthy = true;
  redis.on('error', (err: Error) => {
    if (healthy)
      logger.warn({ err: err.message, redis: describeRedis(input) }, 'redis connection lost; reconnecting');
    healthy = false;
  });
  redis.on('ready', () => {
    if (!healthy) logger.info({ redis: describeRedis(input) }, 'redis connection restored');
    healthy = true;
  });
  return redis;
}

/** Default client-side limit on one command's reply. */
export const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Options for a connection that BLPOPs: commandTimeout would cut long waits short, so each blocking
 * command is bounded by its own timeout plus a grace instead.
 */
export const BLOCKING: RedisOptions = {
  commandTimeout: undefined,
  blockingTimeout: 60_000,
  blockingTimeoutGrace: 2_000,
};

function create(input: RedisInput, extra: RedisOptions): Redis {
  const base: RedisOptions = {
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
    // ioredis 6.0.0 never settles a command in flight when the connection drops
    // (redis/ioredis#2193, fixed after 6.0.0): bound every command so none hangs
    commandTimeout: COMMAND_TIMEOUT_MS,
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
