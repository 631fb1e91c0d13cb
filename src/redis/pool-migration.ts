import { isCluster, type RedisClient } from './client.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_POOL, type Placement, type PoolRange } from '../protocol/placement.ts';
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

async function* scanKeys(redis: RedisClient, match: string): AsyncGenerator<string> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
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
 * Moves a list element by element (LMOVE, pipelined a thousand at a time): a stop midway loses
 * nothing, and a second run finishes it.
 */
async function moveList(redis: RedisClient, from: string, to: string): Promise<number> {
  let moved = 0;
  for (let left = await redis.llen(from); left > 0; left = await redis.llen(from)) {
    const pipe = redis.pipeline();
    for (let i = 0; i < Math.min(left, SCAN_COUNT); i++) pipe.lmove(from, to, 'LEFT', 'RIGHT');
    const res = (await pipe.exec()) ?? [];
    for (const [err, value] of res) {
      if (err) throw err;
      if (value !== null) moved++;
    }
  }
  return moved;
}

/** Refuses while any worker is alive: a worker would run the type in its old partitions meanwhile. */
async function assertNoWorkers(redis: RedisClient, keys: Keys): Promise<void> {
  const [secs] = await redis.time();
  const live = await redis.zrangebyscore(keys.workers(), Number(secs) * 1000, '+inf');
  if (live.length > 0) {
    throw new ConfigError(
      `${live.length} worker(s) of namespace "${keys.ns}" are running (${live.slice(0, 3).join(', ')}): ` +
        'stop every worker before moving actor types between pools, then run this again',
    );
  }
}

/** Moves every key of type `type`'s actors from the partitions of pool `from` to those `after` gives them. */
async function moveType(
  redis: RedisClient,
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
      for await (const key of scanKeys(redis, `${at}${prefix}*`)) {
        const akey = key.slice(at.length);
        actors.add(akey);
        const n = await moveList(redis, key, target(home(akey), akey));
        if (kind === 'mb:') {
          messages += n;
          withMail.push(akey);
        }
      }
    }
    for await (const bucket of scanKeys(redis, `${keys.partition(p)}logs:*`)) {
      for await (const [field, stowed] of scanPairs(redis, 'hscanBuffer', bucket, `${prefix}*`)) {
        const akey = field.toString();
        actors.add(akey);
        const q = home(akey);
        const to = keys.logBucketOf(q, akey, after.countAt(q));
        await redis.multi().hset(to, akey, stowed).hdel(bucket, akey).exec();
      }
    }
    const records = [(q: number) => keys.attempts(q), (q: number) => keys.paused(q)];
    for (const hash of records) {
      const key = hash(p);
      for await (const [field, value] of scanPairs(redis, 'hscanBuffer', key, `${prefix}*`)) {
        const akey = field.toString();
        await redis
          .multi()
          .hset(hash(home(akey)), akey, value)
          .hdel(key, akey)
          .exec();
      }
    }
    await moveDeadLetters(redis, keys, p, prefix, home);
    for await (const [member, score] of scanPairs(redis, 'zscanBuffer', keys.timers(p), `${prefix}*`)) {
      const akey = member.subarray(0, member.indexOf(0)).toString();
      await redis
        .multi()
        .zadd(keys.timers(home(akey)), score, member)
        .zrem(keys.timers(p), member)
        .exec();
    }
    for await (const [akey] of scanPairs(redis, 'hscanBuffer', keys.running(p), `${prefix}*`)) {
      await redis.hdel(keys.running(p), akey);
    }
    let cursor = '0';
    do {
      const [next, due] = await redis.sscan(keys.mergeDue(p), cursor, 'MATCH', `${prefix}*`);
      cursor = next;
      for (const akey of due)
        await redis
          .multi()
          .sadd(keys.mergeDue(home(akey)), akey)
          .srem(keys.mergeDue(p), akey)
          .exec();
    } while (cursor !== '0');
    // held actors of a paused type stay held in their new partition
    for (const akey of await redis.lrange(keys.held(p, type), 0, -1)) {
      const q = home(akey);
      await redis
        .multi()
        .rpush(keys.held(q, type), akey)
        .sadd(keys.heldTypes(q), type)
        .lrem(keys.held(p, type), 1, akey)
        .exec();
    }
    await redis.srem(keys.heldTypes(p), type);
    // the ready queue: off the old one, onto the new one (once) for each actor whose mail moved
    const ready = (await redis.lrange(keys.ready(p), 0, -1)).filter((a) => a.startsWith(prefix));
    for (const akey of new Set([...ready, ...withMail])) {
      const q = home(akey);
      await redis.lrem(keys.ready(p), 0, akey);
      const mail = await redis.llen(keys.mailbox(q, akey));
      const queued = (await redis.lpos(keys.ready(q), akey)) !== null;
      const held = (await redis.lpos(keys.held(q, type), akey)) !== null;
      if (mail > 0 && !queued && !held) await redis.rpush(keys.ready(q), akey);
    }
    progress();
  }
  return { actors: actors.size, messages };
}

/**
 * Moves the dead letters of a type's actors from partition p's stream to their new partitions'. An
 * entry gets a new id there (ids only grow within a stream); a held one's paused record follows it.
 */
async function moveDeadLetters(
  redis: RedisClient,
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
      const res = await redis
        .multi()
        .xadd(keys.dead(q), '*', ...flat)
        .xdel(keys.dead(p), id)
        .hget(keys.paused(q), akey)
        .exec();
      const moved = res?.[0]?.[1] as string | undefined;
      if (moved && res?.[2]?.[1] === id.toString()) await redis.hset(keys.paused(q), akey, moved);
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < 500) return;
    cursor = `(${last[0].toString()}`;
  }
}

/**
 * A type's keys move to partitions in other hash slots, and a Redis Cluster cannot move a key
 * between slots atomically: refused before anything, placement included, is written (recording
 * the new pool first would route new mail away from the old).
 */
function notOnCluster(moving: readonly TypeInPool[], before: Placement): ConfigError {
  const what = moving
    .map((t) => `${t.type}: pool ${before.recordedPool(t.type) ?? DEFAULT_POOL} -> ${t.pool}`)
    .join(', ');
  return new ConfigError(
    `moving actor types between pools is not supported on a Redis Cluster yet (${what}); nothing was changed. ` +
      "Keep each class's static pool as it was, or move the types on a standalone Redis before moving the namespace to the cluster",
  );
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
  if (moving.length > 0 && isCluster(redis)) throw notOnCluster(moving, before);
  if (moving.length > 0) await assertNoWorkers(redis, keys);
  const after = await placeTypes(scripted, keys, types, 'move');
  const of = moving.reduce((n, t) => n + before.rangeOfType(t.type).count, 0);
  let done = 0;
  for (const t of moving) {
    const from = before.rangeOfType(t.type);
    const moved = await moveType(redis, keys, t.type, from, after, () => progress(++done, of));
    out.moved.push({ type: t.type, from: from.name, to: t.pool, ...moved });
  }
  return out;
}
