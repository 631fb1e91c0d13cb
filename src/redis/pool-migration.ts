import { isCluster, type RedisClient } from './client.ts';
import { primaryOf } from './slots.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_POOL, type Placement, type PoolRange } from '../protocol/placement.ts';
import { decodeIndexMember } from '../protocol/index-entry.ts';
import type { Keys } from './keys.ts';
import { placeTypes, readPlacement, type TypeInPool } from './placement-store.ts';
import type { ScriptedRedis } from './scripts.ts';

/** Keys (or fields) SCAN looks at per call. */
const SCAN_COUNT = 1_000;

/** One type moved to another pool. */
export interface TypeMove {
  type: string;
  from: string;
  to: string;
  /** Actors with a mailbox, log or record moved, and the messages their mailboxes held. */
  actors: number;
  messages: number;
}

/** What `movePools` did: the types it moved, and those it only recorded (already where their class says). */
export interface PoolMigration {
  moved: TypeMove[];
  recorded: string[];
}

/** Keys matching `match` in partition p, scanned on the server that holds p's slot. */
async function* scanPartition(
  redis: RedisClient,
  keys: Keys,
  p: number,
  match: string,
): AsyncGenerator<string> {
  const node = isCluster(redis) ? primaryOf(redis, keys.partition(p)) : redis;
  if (!node) throw new Error(`no primary known for partition ${p}'s slot: is the cluster up? Run this again`);
  let cursor = '0';
  do {
    const [next, found] = await node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
    cursor = next;
    yield* found;
  } while (cursor !== '0');
}

/** [field, value] pairs of a hash whose field matches, or [member, score] of a sorted set; binary safe. */
async function* scanPairs(
  redis: RedisClient,
  command: 'hscanBuffer' | 'zscanBuffer',
  key: string,
  match: string,
): AsyncGenerator<[Buffer, Buffer]> {
  let cursor = '0';
  do {
    const [next, flat] = await redis[command](key, cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
    cursor = next.toString();
    for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
  } while (cursor !== '0');
}

/**
 * Moves list `from` (partition p) to the end of list `to` (partition q), a thousand elements at a
 * time. The two are in different hash slots, which a Redis Cluster cannot write atomically, so
 * each batch is pushed to `to` together with a note in q's journal, then trimmed from `from`
 * together with a note in p's: a stop between the two is found by the next run (q's note one batch
 * ahead of p's) and finished without pushing the batch again.
 */
export async function moveList(
  redis: RedisClient,
  keys: Keys,
  from: { p: number; key: string },
  to: { p: number; key: string },
): Promise<number> {
  const [outJournal, inJournal] = [keys.moving(from.p), keys.moving(to.p)];
  const [outField, inField] = [`out:${from.key}`, `in:${from.key}`];
  const trim = (count: number, batch: number) =>
    redis.multi().ltrim(from.key, count, -1).hset(outJournal, outField, batch).exec();
  // the journals are read once: only a run stopped midway left them, and from here on this run writes them
  let trimmed = Number((await redis.hget(outJournal, outField)) ?? 0);
  const [pushed = 0, count = 0] = ((await redis.hget(inJournal, inField)) ?? '').split(' ').map(Number);
  let moved = 0;
  if (pushed === trimmed + 1) {
    await trim(count, pushed);
    [trimmed, moved] = [pushed, count];
  }
  for (;;) {
    const batch = await redis.lrangeBuffer(from.key, 0, SCAN_COUNT - 1);
    if (batch.length === 0) {
      await redis.hdel(outJournal, outField);
      await redis.hdel(inJournal, inField);
      return moved;
    }
    trimmed++;
    await redis
      .multi()
      .rpush(to.key, ...batch)
      .hset(inJournal, inField, `${trimmed} ${batch.length}`)
      .exec();
    await trim(batch.length, trimmed);
    moved += batch.length;
  }
}

/** Refuses while any worker is alive: a worker would run the type in its old partitions meanwhile. */
/** Throws a ConfigError naming the fix while any worker of the namespace is alive. */
export async function assertNoWorkers(
  redis: RedisClient,
  keys: Keys,
  what = 'moving actor types between pools',
): Promise<void> {
  const [secs] = await redis.time();
  const live = await redis.zrangebyscore(keys.workers(), Number(secs) * 1000, '+inf');
  if (live.length > 0) {
    throw new ConfigError(
      `${live.length} worker(s) of namespace "${keys.ns}" are running (${live.slice(0, 3).join(', ')}): ` +
        `stop every worker before ${what}, then run this again`,
    );
  }
}

/** Moves every key of type `type`'s actors from the partitions of pool `from` to those `after` gives them. */
async function moveType(
  redis: RedisClient,
  scripted: ScriptedRedis,
  keys: Keys,
  type: string,
  from: PoolRange,
  after: Placement,
  progress: () => void,
): Promise<Omit<TypeMove, 'type' | 'from' | 'to'>> {
  const prefix = `${type}/`;
  const actors = new Set<string>();
  let messages = 0;
  const home = (akey: string) => after.partitionOf(type, akey.slice(prefix.length));
  for (let p = from.first; p < from.first + from.count; p++) {
    const lists = [
      ['mb:', (q: number, akey: string) => keys.mailbox(q, akey)],
      ['ctx:', (q: number, akey: string) => keys.log(q, akey)],
      ['hist:', (q: number, akey: string) => keys.history(q, akey)],
    ] as const;
    const withMail: string[] = [];
    for (const [kind, target] of lists) {
      const at = `${keys.partition(p)}${kind}`;
      for await (const key of scanPartition(redis, keys, p, `${at}${prefix}*`)) {
        const akey = key.slice(at.length);
        actors.add(akey);
        const q = home(akey);
        const n = await moveList(redis, keys, { p, key }, { p: q, key: target(q, akey) });
        if (kind === 'mb:') {
          messages += n;
          withMail.push(akey);
        }
      }
    }
    // each pair below is written in two slots, one after the other: writing the target again
    // is harmless, so a run stopped between the two is finished by the next
    for await (const bucket of scanPartition(redis, keys, p, `${keys.partition(p)}logs:*`)) {
      for await (const [field, stowed] of scanPairs(redis, 'hscanBuffer', bucket, `${prefix}*`)) {
        const akey = field.toString();
        actors.add(akey);
        const q = home(akey);
        const to = keys.logBucketOf(q, akey, after.countAt(q));
        await redis.hset(to, akey, stowed);
        await redis.hdel(bucket, akey);
      }
    }
    const records = [(q: number) => keys.attempts(q), (q: number) => keys.paused(q)];
    for (const hash of records) {
      const key = hash(p);
      for await (const [field, value] of scanPairs(redis, 'hscanBuffer', key, `${prefix}*`)) {
        const akey = field.toString();
        await redis.hset(hash(home(akey)), akey, value);
        await redis.hdel(key, akey);
      }
    }
    await moveDeadLetters(redis, scripted, keys, p, prefix, home);
    await moveDirectory(redis, keys, p, type, after, (id) => home(prefix + id));
    for await (const [member, score] of scanPairs(redis, 'zscanBuffer', keys.timers(p), `${prefix}*`)) {
      const akey = member.subarray(0, member.indexOf(0)).toString();
      await redis.zadd(keys.timers(home(akey)), score, member);
      await redis.zrem(keys.timers(p), member);
    }
    for await (const [akey] of scanPairs(redis, 'hscanBuffer', keys.running(p), `${prefix}*`)) {
      await redis.hdel(keys.running(p), akey);
    }
    let cursor = '0';
    do {
      const [next, due] = await redis.sscan(keys.mergeDue(p), cursor, 'MATCH', `${prefix}*`);
      cursor = next;
      for (const akey of due) {
        await redis.sadd(keys.mergeDue(home(akey)), akey);
        await redis.srem(keys.mergeDue(p), akey);
      }
    } while (cursor !== '0');
    // held actors of a paused type stay held in their new partition
    for (const akey of await redis.lrange(keys.held(p, type), 0, -1)) {
      const q = home(akey);
      // an actor is held once: a run stopped after the push does not push it again
      if ((await redis.lpos(keys.held(q, type), akey)) === null) {
        await redis.multi().rpush(keys.held(q, type), akey).sadd(keys.heldTypes(q), type).exec();
      }
      await redis.lrem(keys.held(p, type), 1, akey);
    }
    await redis.srem(keys.heldTypes(p), type);
    // the ready queue: off the old one, onto the new one (once) for each actor whose mail moved
    const ready = (await redis.lrange(keys.ready(p), 0, -1)).filter((a) => a.startsWith(prefix));
    for (const akey of new Set([...ready, ...withMail])) {
      const q = home(akey);
      // queued on the new partition before it leaves the old one's queue: a run stopped between
      // the two still finds it there
      const mail = await redis.llen(keys.mailbox(q, akey));
      const queued = (await redis.lpos(keys.ready(q), akey)) !== null;
      const held = (await redis.lpos(keys.held(q, type), akey)) !== null;
      if (mail > 0 && !queued && !held) await redis.rpush(keys.ready(q), akey);
      await redis.lrem(keys.ready(p), 0, akey);
    }
    progress();
  }
  return { actors: actors.size, messages };
}

/**
 * Moves the directory records and index entries of a type's actors in partition p to the
 * partitions `home` gives them. A record is listed there (and counted) once, then taken off p's
 * directory and count in one transaction; an index entry is added there, then removed here. Each
 * step can be done again, so a run stopped between two is finished by the next.
 */
async function moveDirectory(
  redis: RedisClient,
  keys: Keys,
  p: number,
  type: string,
  after: Placement,
  home: (id: string) => number,
): Promise<void> {
  for await (const bucket of scanPartition(redis, keys, p, `${keys.partition(p)}dir:${type}:*`)) {
    for await (const [field, record] of scanPairs(redis, 'hscanBuffer', bucket, '*')) {
      const id = field.toString();
      const q = home(id);
      if ((await redis.hsetnx(keys.dirOf(q, type, id, after.countAt(q)), id, record)) === 1) {
        await redis.hincrby(keys.dirCount(q), type, 1);
      }
      await redis.multi().hdel(bucket, id).hincrby(keys.dirCount(p), type, -1).exec();
    }
  }
  await redis.hdel(keys.dirCount(p), type);
  const indexPrefix = `${keys.partition(p)}ix:${type}:`;
  for await (const key of scanPartition(redis, keys, p, `${indexPrefix}*`)) {
    const field = key.slice(indexPrefix.length);
    for await (const [member] of scanPairs(redis, 'zscanBuffer', key, '*')) {
      await redis.zadd(keys.index(home(decodeIndexMember(member).id), type, field), 0, member);
      await redis.zrem(key, member);
    }
  }
}

/**
 * Moves the dead letters of a type's actors from partition p's stream to their new partitions'. An
 * entry gets a new id there (ids only grow within a stream); a held one's paused record follows it.
 */
async function moveDeadLetters(
  redis: RedisClient,
  scripted: ScriptedRedis,
  keys: Keys,
  p: number,
  prefix: string,
  home: (akey: string) => number,
): Promise<void> {
  let cursor = '-';
  for (;;) {
    const rows = await redis.xrangeBuffer(keys.dead(p), cursor, '+', 'COUNT', 500);
    for (const [id, flat] of rows) {
      const at = flat.findIndex((v, i) => i % 2 === 0 && v.toString() === 'actor');
      const akey = at < 0 ? '' : (flat[at + 1]?.toString() ?? '');
      if (!akey.startsWith(prefix)) continue;
      const q = home(akey);
      // the new entry and the note of its id are written together in q's slot, so a run stopped
      // before the old entry is deleted does not copy it twice
      const note = `dead:${id.toString()}`;
      if ((await redis.hget(keys.moving(q), note)) === null) {
        await scripted.run(
          'copy_dead_letter',
          [keys.dead(q), keys.moving(q), keys.paused(q)],
          [note, akey, id, ...flat],
        );
      }
      await redis.xdel(keys.dead(p), id);
      await redis.hdel(keys.moving(q), note);
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < 500) return;
    cursor = `(${last[0].toString()}`;
  }
}

/**
 * Puts each type in the pool its class names: records the type, and when it lived in another pool
 * (a namespace from before pools keeps every type in the default pool), moves every key of its
 * actors to the new pool's partitions. Needs every worker stopped; safe to run again (a stop midway
 * loses nothing, and a second run moves the rest). `progress` hears of each partition looked at.
 */
export async function movePools(
  redis: RedisClient,
  scripted: ScriptedRedis,
  keys: Keys,
  types: readonly TypeInPool[],
  progress: (done: number, of: number) => void = () => {},
): Promise<PoolMigration> {
  const before = await readPlacement(redis, keys);
  const moving = types.filter((t) => (before.recordedPool(t.type) ?? DEFAULT_POOL) !== t.pool);
  const out: PoolMigration = {
    moved: [],
    recorded: types.filter((t) => !moving.includes(t)).map((t) => t.type),
  };
  if (moving.length > 0) await assertNoWorkers(redis, keys);
  const after = await placeTypes(scripted, keys, types, 'move');
  const of = moving.reduce((n, t) => n + before.rangeOfType(t.type).count, 0);
  let done = 0;
  for (const t of moving) {
    const from = before.rangeOfType(t.type);
    const moved = await moveType(redis, scripted, keys, t.type, from, after, () => progress(++done, of));
    out.moved.push({ type: t.type, from: from.name, to: t.pool, ...moved });
  }
  return out;
}
