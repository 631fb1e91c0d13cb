import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';

/** `host:port` of the primary holding `key`'s slot, as the cluster client last learnt it. */
export function primaryKeyOf(cluster: Cluster, key: string): string | undefined {
  return cluster.slots[calculateSlot(key)]?.[0];
}

/** The connection the cluster client writes `key`'s slot through, if it knows the slot's primary. */
export function primaryOf(cluster: Cluster, key: string): Redis | undefined {
  const nodeKey = primaryKeyOf(cluster, key);
  if (nodeKey === undefined) return undefined;
  return cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
}
