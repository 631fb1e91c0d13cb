import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { isCluster, type RedisClient } from '../redis/client.ts';
import { loadFunctions } from '../redis/functions.ts';
import { nodeKeyOf } from '../redis/slots.ts';

/**
 * Workers install the FCALL send path for senders in other languages; Node senders do not need
 * it. On a Redis Cluster, on every primary, and on each node that joins later (a function library
 * is replicated, but a new shard starts without it).
 */
export async function installSendFunctions(redis: RedisClient, logger: Logger): Promise<void> {
  if (!isCluster(redis)) return installOn(redis, undefined, logger);
  redis.on('+node', (node: Redis) => void installOn(node, nodeKeyOf(node), logger));
  await Promise.all(redis.nodes('master').map((node) => installOn(node, nodeKeyOf(node), logger)));
}

async function installOn(redis: Redis, node: string | undefined, logger: Logger): Promise<void> {
  try {
    const res = await loadFunctions(redis);
    if (res.status === 'unsupported')
      logger.info({ reason: res.reason, node }, 'no Redis Functions here: FCALL senders need Redis 7+');
    else if (res.status !== 'current')
      logger.info({ version: res.version, node }, `send functions ${res.status}`);
  } catch (err) {
    // a replica refuses the load (READONLY): it gets the library from its primary
    if (/READONLY/.test(String(err))) return;
    logger.warn(
      { err, node },
      'could not install the send functions (FCALL troupe_tell); EVAL/EVALSHA senders are unaffected',
    );
  }
}
