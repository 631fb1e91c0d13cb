import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './client.ts';

type Call = (...args: unknown[]) => Promise<unknown>;

/**
 * A pipeline whose commands may name keys of different Redis Cluster slots (an operator's reads over
 * every partition). On standalone Redis, one pipeline. On a cluster, whose pipelines must stay on
 * one node, each command is sent on its own (the client auto-pipelines them per node when it has
 * `enableAutoPipelining`), and `exec` gathers their `[error, result]` pairs in order, as a
 * pipeline's does. No transaction either way.
 */
export function anySlotPipeline(redis: RedisClient): ChainableCommander {
  if (!isCluster(redis)) return redis.pipeline();
  const calls: [method: string, args: unknown[]][] = [];
  const client = redis as unknown as Record<string, Call>;
  const recorder: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_, prop) {
      if (prop === 'then') return undefined;
      if (prop === 'length') return calls.length;
      if (prop === 'exec') {
        return () =>
          Promise.all(
            calls.map(([method, args]) =>
              client[method]!.apply(redis, args).then(
                (value) => [null, value],
                (err: unknown) => [err, null],
              ),
            ),
          );
      }
      return (...args: unknown[]) => {
        calls.push([String(prop), args]);
        return recorder;
      };
    },
  });
  return recorder;
}

/** The servers holding the data: the one server, or every primary of a cluster. */
export function primaries(redis: RedisClient): RedisClient[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/**
 * Every key matching `pattern` (SCAN MATCH), on every primary of a cluster. Keys may come twice
 * (SCAN's guarantee) and the scan may miss keys moving between nodes meanwhile.
 */
export async function* scanKeys(
  redis: RedisClient,
  pattern: string,
  count = 1_000,
): AsyncGenerator<string[]> {
  for (const node of primaries(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (found.length > 0) yield found;
    } while (cursor !== '0');
  }
}
