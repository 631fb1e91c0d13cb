import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ConfigError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { isCluster, type RedisClient } from './client.ts';
import { SCRIPT_COMMANDS } from './scripts.ts';

/**
 * Seed nodes of a Redis Cluster (URLs; a few are enough, the client learns the rest) and ioredis
 * ClusterOptions. Troupe's safe defaults apply beneath them (`openRedis`).
 */
export interface ClusterInput {
  cluster: readonly string[];
  options?: ClusterOptions | undefined;
}

/**
 * Where to find Redis: a URL (`redis://host:port/db`, `rediss://…`, `unix:///path`), ioredis
 * options, a comma-separated list of cluster seed URLs, or `{ cluster: [...] }`. A single URL or
 * options that reach a node of a Redis Cluster are used as its seed (`resolveRedis`).
 */
export type RedisInput = string | RedisOptions | ClusterInput | undefined;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Opens a connection. Commands whose reply was lost in a disconnect are failed rather than silently
 * re-sent: a re-sent tell would duplicate a message, and the worker recovers on its own terms.
 */
export function openRedis(
  input: RedisInput,
  extra: RedisOptions = {},
  logger: Logger = silentLogger,
  /** On a cluster only, e.g. `{ shardedSubscribers: true }` for a connection that SSUBSCRIBEs. */
  clusterExtra: ClusterOptions = {},
): RedisClient {
  const source = sourceOf(input);
  const redis = isClusterInput(source)
    ? createCluster({ ...source, options: { ...source.options, ...clusterExtra } }, extra)
    : create(source, extra);
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

const BASE: RedisOptions = {
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 3,
  lazyConnect: false,
  // ioredis 6.0.0 never settles a command in flight when the connection drops
  // (redis/ioredis#2193, fixed after 6.0.0): bound every command so none hangs
  commandTimeout: COMMAND_TIMEOUT_MS,
};

/**
 * A cluster client's options. Redirections (MOVED, ASK), TRYAGAIN during a slot migration and
 * CLUSTERDOWN during a failover are retried: the command did not run. A command whose connection
 * closed under it may have run, so it is failed to its caller (a tell rejects; a worker re-takes
 * the partition) and never re-sent: `retryDelayOnFailover` 0 and `autoResendUnfulfilledCommands`
 * false win over the caller's options.
 */
function clusterOptions(input: ClusterInput, extra: RedisOptions): ClusterOptions {
  const { enableAutoPipelining, ...perNode } = extra;
  const given = input.options ?? {};
  const auth = nodeAuth(input.cluster[0]!);
  return {
    retryDelayOnTryAgain: 100,
    retryDelayOnClusterDown: 200,
    retryDelayOnMoved: 0,
    maxRedirections: 16,
    // learns a failover's new primary within this, even with no command redirected meanwhile
    slotsRefreshInterval: 2_000,
    ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
    ...given,
    autoPipeliningIgnoredCommands: [...(given.autoPipeliningIgnoredCommands ?? []), ...SCRIPT_COMMANDS],
    retryDelayOnFailover: 0,
    redisOptions: {
      ...auth,
      ...BASE,
      ...perNode,
      ...given.redisOptions,
      autoResendUnfulfilledCommands: false,
    },
  };
}

function createCluster(input: ClusterInput, extra: RedisOptions): Cluster {
  const seeds = input.cluster.map((url) => {
    const u = parseUrl(url);
    return { host: u.hostname, port: Number(u.port || 6379) };
  });
  return new Cluster(seeds, clusterOptions(input, extra));
}

function parseUrl(url: string): URL {
  try {
    const u = new URL(url);
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error('not redis:// or rediss://');
    return u;
  } catch (cause) {
    throw new ConfigError(
      `"${url}" is not a Redis Cluster seed URL: give each node as redis://host:port (or rediss://)`,
      { cause },
    );
  }
}

/** Credentials and TLS of the first seed URL, for every node. */
function nodeAuth(url: string): RedisOptions {
  const u = parseUrl(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function create(source: string | RedisOptions, extra: RedisOptions): Redis {
  const base: RedisOptions = { ...BASE, ...extra };
  if (typeof source === 'string') {
    if (source.startsWith('unix://')) return new Redis({ ...base, path: source.slice('unix://'.length) });
    if (source.startsWith('/')) return new Redis({ ...base, path: source });
    return new Redis(source, base);
  }
  return new Redis({ ...source, ...base });
}

function isClusterInput(input: RedisInput): input is ClusterInput {
  return typeof input === 'object' && 'cluster' in input && Array.isArray(input.cluster);
}

/** The input, the environment's REDIS_URL, or the default; a comma-separated list is a cluster. */
function sourceOf(input: RedisInput): string | RedisOptions | ClusterInput {
  const source = input ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (typeof source === 'string' && source.includes(',')) {
    const cluster = source
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return { cluster };
  }
  if (isClusterInput(source) && source.cluster.length === 0) {
    throw new ConfigError(
      'redis.cluster needs at least one seed URL, e.g. { cluster: ["redis://10.0.0.1:7000"] }',
    );
  }
  return source;
}

/**
 * The input to open every later connection with: a single server that turns out to be a node of a
 * Redis Cluster (`cluster_enabled:1`) becomes the seed of a cluster client. `probe` is an open
 * connection made from `input`.
 */
export async function resolveRedis(input: RedisInput, probe: RedisClient): Promise<RedisInput> {
  if (isCluster(probe)) return input;
  const info = await probe.info('cluster');
  if (!/^cluster_enabled:1/m.test(info)) return input;
  const { host, port, username, password, tls } = probe.options;
  const scheme = tls ? 'rediss' : 'redis';
  const cred = password ? `${encodeURIComponent(username ?? '')}:${encodeURIComponent(password)}@` : '';
  return { cluster: [`${scheme}://${cred}${host ?? '127.0.0.1'}:${port ?? 6379}`] };
}

/**
 * Opens a connection and checks it answers (the ping's error is thrown as is), as a cluster client
 * when the input turns out to reach a node of a Redis Cluster. Returns it with the input to open
 * further connections from.
 */
export async function connectRedis(
  input: RedisInput,
  extra: RedisOptions = {},
  logger: Logger = silentLogger,
  /** On a cluster only (a URL may turn out to be one). */
  clusterExtra: ClusterOptions = {},
): Promise<{ redis: RedisClient; input: RedisInput }> {
  let redis = openRedis(input, extra, logger, clusterExtra);
  try {
    await redis.ping();
    const resolved = await resolveRedis(input, redis);
    if (resolved === input) return { redis, input };
    redis.disconnect();
    redis = openRedis(resolved, extra, logger, clusterExtra);
    await redis.ping();
    return { redis, input: resolved };
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

export function describeRedis(input: RedisInput): string {
  const source = sourceOf(input);
  const hide = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');
  if (typeof source === 'string') return hide(source);
  if (isClusterInput(source)) return `cluster ${source.cluster.map(hide).join(',')}`;
  return source.path ?? `${source.host ?? '127.0.0.1'}:${source.port ?? 6379}`;
}

/**
 * Closes a connection: QUIT (replies in flight still arrive), then a disconnect in any case. A
 * cluster client's QUIT waits on every node it knows, and one that went away during a failover never
 * answers: after `graceMs` the connections are dropped, so closing always ends.
 */
export async function closeRedis(redis: RedisClient, graceMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.quit().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
  ]);
  clearTimeout(timer);
  redis.disconnect();
}
