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
  return cluster.nodes('master').find((n) => nodeKeyOf(n) === nodeKey);
}

/** A node's `host:port`, as the cluster client keys its slot table. */
export function nodeKeyOf(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}
