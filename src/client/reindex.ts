/**
 * Rebuilding a type's indexes from its actors' contexts, after `static indexes` changed
 * (docs/indexes.md "Reindexing"). Partition by partition, resumable: the type's index state hash
 * records the fields being rebuilt and the partitions done, and queries on those fields are
 * refused until the end. Beside running workers: each actor's entries are written by reindex.lua
 * only if its log is still the one read (else it is read again).
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../actor/actor.ts';
import { indexEncodings } from '../actor/index-values.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import { ConfigError } from '../errors.ts';
import { foldLog, joinLog } from '../protocol/log.ts';
import type { RedisClient } from '../redis/client.ts';
import { directoryIds } from '../redis/directory-buckets.ts';
import { scanKeys } from '../redis/fan-out.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import type { Placements } from './placements.ts';

/** Directory buckets read per round trip, and actors per reindex.lua call. */
const BUCKETS_PER_READ = 16;
const ACTORS_PER_CALL = 64;
/** A log that keeps changing under a reindex is read again at most this often, then left to its commits. */
const MAX_TRIES = 20;

/** Where a reindex is, after each partition. */
export interface ReindexProgress {
  /** Partitions of the type's pool done, and their count. */
  partitions: number;
  of: number;
  /** Actors indexed so far. */
  actors: number;
}

/** What a finished reindex did. */
export interface ReindexResult {
  type: string;
  fields: string[];
  actors: number;
  /** Partitions this run did (fewer than the pool's when it resumed a stopped run). */
  partitions: number;
  /** Fields no longer in `static indexes` whose entries were deleted. */
  removed: string[];
  /** Whether it went on from a run that stopped midway. */
  resumed: boolean;
}

export interface ReindexDeps {
  redis: RedisClient;
  scripted: ScriptedRedis;
  keys: Keys;
  placements: Placements;
}

/** `building` names the fields being rebuilt; `done` the partitions done; `built:<field>` a complete index. */
export async function reindexType(
  d: ReindexDeps,
  entry: RegisteredActor,
  onProgress: (p: ReindexProgress) => void = () => {},
): Promise<ReindexResult> {
  const { redis, keys, placements } = d;
  const { type } = entry;
  const fields = entry.indexes.map((f) => f.name);
  const stateKey = keys.indexState(type);
  if (!placements.known(type)) await placements.learn(type);
  const range = placements.current.rangeOfType(type);
  const state = await redis.hgetall(stateKey);
  const resumed = state.building === JSON.stringify(fields);
  const start = resumed ? Number(state.done ?? 0) : 0;
  await redis.hset(stateKey, 'building', JSON.stringify(fields), 'done', start);
  const removed = Object.keys(state)
    .filter((f) => f.startsWith('built:') && !fields.includes(f.slice(6)))
    .map((f) => f.slice(6));
  if (removed.length > 0) await redis.hdel(stateKey, ...removed.map((f) => `built:${f}`));
  await dropUndeclared(d, type, fields);
  let actors = 0;
  for (let i = start; i < range.count; i++) {
    const p = range.first + i;
    actors += await reindexPartition(d, entry, p);
    await redis.hset(stateKey, 'done', i + 1);
    onProgress({ partitions: i + 1, of: range.count, actors });
  }
  const built = fields.flatMap((f) => [`built:${f}`, '1']);
  if (built.length > 0) await redis.hset(stateKey, ...built);
  await redis.hdel(stateKey, 'building', 'done');
  return { type, fields, actors, partitions: range.count - start, removed, resumed };
}

/** Deletes the sets of the type's fields that are no longer declared, in every partition (one scan). */
async function dropUndeclared(d: ReindexDeps, type: string, fields: readonly string[]): Promise<void> {
  const marker = `}:ix:${type}:`;
  for await (const found of scanKeys(d.redis, `${d.keys.tagOpener}*${marker}*`)) {
    for (const key of found) {
      // one key per call: on a Redis Cluster the partitions' keys are in different slots
      if (!fields.includes(key.slice(key.indexOf(marker) + marker.length))) await d.redis.del(key);
    }
  }
}

async function reindexPartition(d: ReindexDeps, entry: RegisteredActor, p: number): Promise<number> {
  const partitions = d.placements.current.countAt(p);
  let n = 0;
  for await (const ids of directoryIds(d.redis, d.keys, p, entry.type, partitions, BUCKETS_PER_READ)) {
    for (let i = 0; i < ids.length; i += ACTORS_PER_CALL) {
      let batch = ids.slice(i, i + ACTORS_PER_CALL).map((id) => `${entry.type}/${id}`);
      n += batch.length;
      for (let tries = 0; batch.length > 0 && tries < MAX_TRIES; tries++) {
        batch = await writeEntries(d, entry, p, partitions, batch);
      }
    }
  }
  return n;
}

/** Reads the actors' logs, folds them and writes their entries; returns those whose log changed meanwhile. */
async function writeEntries(
  d: ReindexDeps,
  entry: RegisteredActor,
  p: number,
  partitions: number,
  akeys: readonly string[],
): Promise<string[]> {
  const { redis, keys } = d;
  const pipe = redis.pipeline();
  for (const akey of akeys) {
    pipe.hgetBuffer(keys.logBucketOf(p, akey, partitions), akey);
    pipe.lrangeBuffer(keys.log(p, akey), 0, -1);
  }
  const replies = (await pipe.exec()) ?? [];
  const k: string[] = [keys.dirCount(p)];
  const args: (string | Buffer | number)[] = [entry.indexes.length];
  const instance = new entry.cls() as Actor;
  for (const [i, akey] of akeys.entries()) {
    const [e1, stowed] = replies[2 * i]!;
    const [e2, list] = replies[2 * i + 1]!;
    if (e1) throw e1;
    if (e2) throw e2;
    const stored = { stowed: stowed as Buffer | null, list: list as Buffer[] };
    const id = akey.slice(entry.type.length + 1);
    let encodings: readonly (Buffer | undefined)[];
    try {
      const { ctx } = foldLog(
        joinLog(stored),
        () => instance.initial(),
        (c, s) => instance.apply(c, s),
      );
      encodings = indexEncodings(entry, ctx);
    } catch (err) {
      throw new ConfigError(
        `reindex of ${entry.type} stopped at actor "${id}": ${(err as Error).message}. ` +
          'Fix static indexes (or the actor), then run the reindex again: it goes on where it stopped',
        { cause: err },
      );
    }
    k.push(
      keys.log(p, akey),
      keys.logBucketOf(p, akey, partitions),
      keys.dirOf(p, entry.type, id, partitions),
    );
    args.push(akey, fingerprint(stored.stowed, stored.list));
    for (const [f, { name }] of entry.indexes.entries()) {
      k.push(keys.index(p, entry.type, name));
      args.push(name, encodings[f] ?? '');
    }
  }
  return (await d.scripted.run('reindex', k, args)) as string[];
}

/** What reindex.lua compares: the stowed entries, NUL, the list's length, NUL, its last entry. */
function fingerprint(stowed: Buffer | null, list: readonly Buffer[]): string {
  return createHash('sha1')
    .update(stowed ?? '')
    .update(`\0${list.length}\0`)
    .update(list.at(-1) ?? '')
    .digest('hex');
}
