import { hostname } from 'node:os';
import type { RedisClient } from '../redis/client.ts';
import { ConfigError } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../logger.ts';
import { processAlive } from './process-alive.ts';

let named = 0;

/**
 * `<host>:<pid>`, unique among the processes alive on a host; a process's second and later workers
 * get `<host>:<pid>:<n>`.
 */
export function defaultWorkerName(): string {
  named++;
  const base = `${hostname()}:${process.pid}`;
  return named === 1 ? base : `${base}:${named}`;
}

/**
 * Makes sure no live worker uses `name`, before a worker of that name joins. A registry entry of
 * that name is either a dead predecessor (a restarted process that got the same pid, a restarted
 * pod with a fixed name) or a live twin (two workers given one `--name`). Watching it for one
 * heartbeat interval tells which (or, on this host, whether its pid is alive): a twin's heartbeat
 * moves, and two workers of one name would take each other's leases back and forth. A dead
 * predecessor's leases are the new worker's to re-take at once.
 */
export async function checkNameFree(
  redis: RedisClient,
  keys: Keys,
  name: string,
  leaseMs: number,
  log: Logger,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  const key = keys.workerInfo(name);
  const found = await redis.hgetall(key);
  const before = found.heartbeatAt;
  if (before === undefined) return;
  // on this host, the process table knows at once
  if (found.host === hostname() && !processAlive(Number(found.pid))) return;
  log.info({}, 'a worker of this name is registered: waiting one heartbeat to see whether it is alive');
  await sleep(Math.ceil(leaseMs / 3) + 500);
  const entry = await redis.hgetall(key);
  if (entry.heartbeatAt === undefined || entry.heartbeatAt === before) return;
  throw new ConfigError(
    `a live worker is already named "${name}" (host ${entry.host ?? '?'}, pid ${entry.pid ?? '?'}): give this one another --name, or stop that one first`,
  );
}
