import type { RedisClient } from './client.ts';
import { ConfigError } from '../errors.ts';
import { compareEntryIds } from '../protocol/dead-letter-id.ts';
import type { Placement } from '../protocol/placement.ts';
import { stowLogs } from './context-log.ts';
import type { Keys } from './keys.ts';
import { LAYOUT, namespaceLayout } from './meta.ts';
import { readPlacement } from './placement-store.ts';
import { withScripts } from './scripts.ts';
import { listLoggedActors, listedLogKeys } from './directory-migration.ts';
import { scanKeys } from './fan-out.ts';
import { assertNoWorkers } from './pool-migration.ts';

/** Keys SCAN looks at per call, and dead letters copied per round trip. */
const SCAN_COUNT = 1_000;
const DEAD_PAGE = 500;

export interface LayoutMigration {
  /** The layout the namespace had, and has now. */
  from: number;
  to: number;
  /** Logs moved from keys of their own into log buckets, and the entries they held. */
  logs: number;
  entries: number;
  /** Dead letters moved from the namespace's stream into their partitions' streams. */
  deadLetters: number;
  /** Actors listed in the directory (from before layout 5: every actor with a context log). */
  listed: number;
}

/**
 * Moves a namespace to this Troupe's layout (LAYOUT), and is safe to run again:
 *
 * - from before 5: needs every worker stopped; lists every actor with a context log in the
 *   directory (layout 5; their index entries come from `troupe reindex <type>`).
 * - from before 4: also (they are older than this version: they would write
 *   to the keys moved). Renames the namespace-wide keys under the hash tag `{troupe:<ns>}` and
 *   moves each dead letter, keeping its entry id, into the stream of its actor's partition. The
 *   layout is recorded last, so workers of this version start only once all is moved.
 * - always: stows every log still in a key of its own into its log bucket (docs/context-log.md).
 *   Stowing never changes what a log reads, so it is safe beside running workers of this version.
 *
 * `progress` is called after each partition stowed.
 */
export async function migrateLayout(
  redis: RedisClient,
  keys: Keys,
  progress: (done: number, of: number, so: LayoutMigration) => void = () => {},
): Promise<LayoutMigration> {
  const from = await namespaceLayout(redis, keys);
  const placement = await readPlacement(redis, keys);
  const out: LayoutMigration = { from, to: LAYOUT, logs: 0, entries: 0, deadLetters: 0, listed: 0 };
  if (from < LAYOUT) {
    if (from < 4) {
      await assertNoLegacyWorkers(redis, keys);
      await moveNamespaceKeys(redis, keys);
      out.deadLetters = await splitDeadLetters(redis, keys, placement);
      // unrecorded types of a namespace from before pools may have actors in the default pool: keep
      // them from being placed elsewhere without a move (place.lua)
      if (from < 3) await redis.hset(keys.meta(), 'predates-pools', 1);
    } else {
      // workers of layout 4 do not keep the directory: actors they create meanwhile would be missed
      await assertNoWorkers(redis, keys, 'listing actors in the directory');
    }
    const lists = await listedLogKeys(redis, keys);
    for (let p = 0; p < placement.total; p++) {
      out.listed += await listLoggedActors(redis, keys, placement, p, lists.get(p) ?? []);
    }
    await redis.hset(keys.meta(), 'layout', LAYOUT);
  }
  const scripted = withScripts(redis);
  const partitions = placement.total;
  for (let p = 0; p < partitions; p++) {
    const prefix = keys.logPrefix(p);
    for await (const found of scanKeys(redis, `${prefix}*`, SCAN_COUNT)) {
      const akeys = found.map((key) => key.slice(prefix.length));
      out.entries += await stowLogs(scripted, keys, placement.countAt(p), p, akeys);
      out.logs += akeys.length;
    }
    progress(p + 1, partitions, out);
  }
  return out;
}

async function assertNoLegacyWorkers(redis: RedisClient, keys: Keys): Promise<void> {
  const [secs] = await redis.time();
  const live = await redis.zrangebyscore(keys.legacy.workers, Number(secs) * 1000, '+inf');
  if (live.length > 0) {
    throw new ConfigError(
      `${live.length} worker(s) of namespace "${keys.ns}" are running (${live.slice(0, 3).join(', ')}): stop every ` +
        'worker of the namespace (they are of an older Troupe), run this again, then start workers of this version',
    );
  }
}

/**
 * The operator's paused types and the worker event log move under the namespace tag; the worker
 * registry is only of live workers, none of which run, so it is dropped (entries expire by themselves).
 */
async function moveNamespaceKeys(redis: RedisClient, keys: Keys): Promise<void> {
  const old = keys.legacy;
  const paused = await redis.smembers(old.pausedTypes);
  if (paused.length > 0) await redis.sadd(keys.pausedTypes(), ...paused);
  if ((await redis.exists(old.workerEvents)) === 1 && (await redis.exists(keys.workerEvents())) === 0) {
    await redis.rename(old.workerEvents, keys.workerEvents());
  }
  await redis.del(old.pausedTypes, old.workers, old.workerPools, old.workerEvents);
}

/**
 * Moves each entry of the namespace's dead-letter stream, oldest first, into its actor's partition's
 * stream under the same entry id (so a held actor's record, which names the id, still matches), then
 * deletes it from the old stream. An entry already copied by an interrupted run is not copied again:
 * a partition's stream gets entries in id order, and no worker writes to it meanwhile.
 */
async function splitDeadLetters(redis: RedisClient, keys: Keys, placement: Placement): Promise<number> {
  const lastIn = new Map<number, string>();
  const last = async (p: number): Promise<string> => {
    let id = lastIn.get(p);
    if (id === undefined) {
      id = (await redis.xrevrange(keys.dead(p), '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      lastIn.set(p, id);
    }
    return id;
  };
  let moved = 0;
  for (;;) {
    const rows = await redis.xrangeBuffer(keys.legacy.dead, '-', '+', 'COUNT', DEAD_PAGE);
    if (rows.length === 0) {
      // an emptied stream stays as a key until deleted
      await redis.del(keys.legacy.dead);
      return moved;
    }
    const pipe = redis.pipeline();
    for (const [idBuf, flat] of rows) {
      const id = idBuf.toString();
      const p = partitionOfEntry(placement, flat);
      if (compareEntryIds(id, await last(p)) > 0) {
        pipe.xadd(keys.dead(p), id, ...flat);
        lastIn.set(p, id);
        moved++;
      }
    }
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
    await redis.xdel(keys.legacy.dead, ...rows.map(([id]) => id.toString()));
  }
}

/** The partition of the actor a dead-letter entry names (fields `actor` = `<type>/<id>`). */
function partitionOfEntry(placement: Placement, flat: Buffer[]): number {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i]!.toString() !== 'actor') continue;
    const akey = flat[i + 1]!.toString();
    const slash = akey.indexOf('/');
    if (slash > 0) return placement.partitionOf(akey.slice(0, slash), akey.slice(slash + 1));
  }
  return 0;
}
