import { ActorRegistry } from '../actor/registry.ts';
import { ConfigError } from '../errors.ts';
import type { Placement } from '../protocol/placement.ts';
import type { RedisClient } from '../redis/client.ts';
import { COMMAND_TIMEOUT_MS, connectRedis, describeRedis, type RedisInput } from '../redis/connection.ts';
import { Keys } from '../redis/keys.ts';
import { namespacePartitions } from '../redis/namespaces.ts';
import { placeTypes, readPlacement } from '../redis/placement-store.ts';
import { replicaOptions } from '../redis/replicas.ts';
import { withScripts } from '../redis/scripts.ts';
import { Placements } from './placements.ts';
import { Troupe, type ConnectOptions } from './troupe.ts';

/**
 * Connects to Redis and returns a Troupe client for one namespace.
 *
 * @example
 * ```ts
 * const troupe = await connect({ redis: process.env.REDIS_URL, namespace: 'shop', actors: [Counter] });
 * await troupe.ref(Counter, 'c-1').tell('add', 5);
 * await troupe.close();
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<Troupe> {
  replicaOptions(options.waitReplicas, options.waitTimeoutMs);
  const keys = new Keys(options.namespace ?? 'default');
  const registry = new ActorRegistry(options.actors ?? []);
  let redis: RedisClient;
  let input: RedisInput;
  try {
    // on a single Redis, script calls (tells among them) cork the socket per tick instead
    // (redis/cork.ts); a cluster auto-pipelines its plain commands
    ({ redis, input } = await connectRedis(
      options.redis,
      { enableAutoPipelining: false, commandTimeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS },
      options.logger,
      { enableAutoPipelining: true },
    ));
  } catch (cause) {
    throw new ConfigError(
      `cannot reach Redis at ${describeRedis(options.redis)}: start one (redis-server) or set REDIS_URL / connect({ redis })`,
      { cause },
    );
  }
  // later connections (a worker's) open from what the first one found: a cluster's node is a seed
  options = { ...options, redis: input };
  let partitions: number;
  try {
    partitions = await namespacePartitions(redis, keys, {
      create: options.create !== false,
      partitions: options.partitions,
      where: describeRedis(options.redis),
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const scripted = withScripts(redis);
  let placement: Placement;
  try {
    // the types this client knows are placed now, so their refs route without asking Redis
    const types = registry.types().map((type) => ({ type, pool: registry.require(type).pool }));
    placement =
      options.create !== false && types.length > 0
        ? await placeTypes(scripted, keys, types)
        : await readPlacement(redis, keys);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const placements = new Placements({ redis, scripted, keys, registry }, placement);
  return new Troupe(redis, scripted, keys, partitions, registry, placements, options);
}
