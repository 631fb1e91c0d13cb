import type { Cluster, Redis } from 'ioredis';

/** A connection to standalone Redis, or a client of a Redis Cluster (redis/connection.ts opens both). */
export type RedisClient = Redis | Cluster;

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis.isCluster;
}
