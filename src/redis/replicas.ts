import { ConfigError } from '../errors.ts';
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

/** `waitReplicas` and `waitTimeoutMs` (connect options), checked; undefined when no write waits. */
export function replicaOptions(
  waitReplicas: number | undefined,
  waitTimeoutMs: number | undefined,
): Omit<Replicas, 'wait'> | undefined {
  const n = waitReplicas ?? 0;
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigError(
      `waitReplicas must be a whole number >= 0 (replicas to wait for); got ${String(n)}`,
    );
  }
  const timeoutMs = waitTimeoutMs ?? WAIT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError(`waitTimeoutMs must be a whole number of ms > 0; got ${String(timeoutMs)}`);
  }
  return n === 0 ? undefined : { count: n, timeoutMs };
}

/** The WAIT each write on `redis` needs, per the options; undefined for none. */
export function replicasFor(
  waitReplicas: number | undefined,
  waitTimeoutMs: number | undefined,
  redis: RedisClient,
): Replicas | undefined {
  const r = replicaOptions(waitReplicas, waitTimeoutMs);
  return r && { ...r, wait: replicaWait(redis, r.count, r.timeoutMs) };
}
