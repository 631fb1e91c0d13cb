import { isCluster, type RedisClient } from './client.ts';
import { primaryOf } from './slots.ts';

/** How long a WAIT for replicas may take before the write counts as not replicated. */
export const WAIT_TIMEOUT_MS = 5_000;

/**
 * Waits until `replicas` replicas acknowledged the writes this client made so far on the server
 * holding `key` (Redis `WAIT`, which counts the writes of the connection it is sent on). Resolves
 * with how many did within the timeout; a caller that got fewer treats its write as not durable.
 * On a Redis Cluster, the WAIT goes to the primary of the key's slot, on the connection the client
 * writes that slot through.
 */
export type ReplicaWait = (key: string) => Promise<number>;

/** What `waitReplicas` asks of every write: this many replicas, within this long. */
export interface Replicas {
  count: number;
  timeoutMs: number;
  wait: ReplicaWait;
}

export function replicaWait(redis: RedisClient, replicas: number, timeoutMs = WAIT_TIMEOUT_MS): ReplicaWait {
  if (!isCluster(redis)) return () => redis.wait(replicas, timeoutMs);
  return async (key) => {
    const node = primaryOf(redis, key);
    // slots unknown (topology changing): not confirmed
    if (!node) return 0;
    return node.wait(replicas, timeoutMs);
  };
}
