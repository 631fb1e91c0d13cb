import { isCluster, type RedisClient } from '../redis/client.ts';
import { primaryKeyOf } from '../redis/slots.ts';
import type { Keys } from '../redis/keys.ts';
import { readPlacement } from '../redis/placement-store.ts';
import { fieldsOf, replies } from '../redis/replies.ts';
import { compareEntryIds, deadLetterId } from '../protocol/dead-letter-id.ts';
import { poolInfo, type PoolInfo } from './pool-info.ts';
import { anySlotPipeline } from '../redis/fan-out.ts';
import { typeInfos, type TypeInfo } from './type-info.ts';
import {
  liveWorkers,
  pausedTypes as readPausedTypes,
  workerEvents,
  type WorkerEvent,
  type WorkerInfo,
} from './registry.ts';

/** Where an actor with mail is now. Each actor with mail is in exactly one of these. */
export type ActorState = 'ready' | 'running' | 'parked' | 'paused' | 'held';

/** A live worker from the registry, with the partitions whose owner key names it right now. */
export interface InfoWorker extends WorkerInfo {
  /**
   * Partitions whose lease this worker holds now (the owner keys). `partitions` is what its last
   * heartbeat reported, which can lag behind a rebalance by one heartbeat.
   */
  owns: number[];
}

export type { PoolInfo } from './pool-info.ts';

/** One partition: its lease and the actors waiting in it. */
export interface PartitionInfo {
  partition: number;
  /** The pool whose partition it is. */
  pool: string;
  /** The worker holding the lease, or null when no worker does. */
  owner: string | null;
  /** The fencing token: how many times the partition was leased (0: never). */
  epoch: number;
  /** Actors on the ready queue, waiting for a turn. */
  ready: number;
  /** Actors whose batch of mail a worker has claimed and not yet committed. */
  running: number;
  /**
   * Actors parked for a retry: their head message failed and waits for its backoff to end. (An
   * actor keeps its attempts entry while it runs again, waits on the ready queue, is held or paused;
   * it is counted there, not here.)
   */
  parked: number;
  /** Actors paused on a dead letter (`onDeadLetter: 'pause'`), waiting for a retry or purge. */
  paused: number;
  /** Actors held off the ready queue because their type is paused. */
  held: number;
  /** Delayed messages and retry backoffs waiting for their time. */
  timers: number;
  /** Actors flagged for the owner's merge sweep. */
  mergesDue: number;
  /** Sends and replies its turns committed, waiting in its outbox to be relayed (Redis Cluster). */
  outbox: number;
}

/** A primary of a Redis Cluster, with the partitions whose slots it holds. */
export interface ShardInfo {
  /** `host:port` of the primary. */
  node: string;
  partitions: number[];
  /** Sums over its partitions. */
  ready: number;
  outbox: number;
}

/** One of the fullest mailboxes. */
export interface BusyActor {
  /** `<type>/<id>` */
  actor: string;
  partition: number;
  /** Messages in its mailbox. */
  mailbox: number;
  state: ActorState;
}

/** A dead letter, briefly: `troupe dead-letters show <id>` has the rest. */
export interface DeadLetterBrief {
  id: string;
  actor: string;
  reason: string;
  attempts: number;
  /** ms since the epoch. */
  at: number;
}

/**
 * One snapshot of a namespace: what `troupe info --json` prints. A plain object of numbers, strings
 * and arrays, stable for scripts.
 */
export interface SystemInfo {
  namespace: string;
  /** The partition count of the namespace: every pool's. */
  partitions: number;
  /** The pools, default first. */
  pools: PoolInfo[];
  /** When the snapshot was read, on the Redis clock (ms since the epoch). */
  at: number;
  /** Live workers, sorted by name. */
  workers: InfoWorker[];
  /** Every partition, in order. */
  partitionList: PartitionInfo[];
  /** On a Redis Cluster, each primary holding partitions, by address; empty on a single Redis. */
  shards: ShardInfo[];
  /** Partitions no worker holds a lease on. */
  unowned: number[];
  /** Sums over the partitions. */
  totals: {
    ready: number;
    running: number;
    parked: number;
    paused: number;
    held: number;
    timers: number;
    mergesDue: number;
    outbox: number;
    /** Actors looked at for the busiest list (every actor with mail, unless `complete` is false). */
    actorsSeen: number;
    /** Messages in the mailboxes of the actors looked at. */
    mailbox: number;
    /**
     * False when a ready queue, held list or hash was longer than the sample taken of it: then
     * `actorsSeen` and `mailbox` cover only part of the actors, and `busiest` is the top of that part.
     */
    complete: boolean;
  };
  /** The fullest mailboxes, fullest first (ties by actor name). */
  busiest: BusyActor[];
  deadLetters: { count: number; newest: DeadLetterBrief[] };
  /** Actor types paused by an operator. */
  pausedTypes: string[];
  /** Merges flagged in Redis plus merges queued or running in the workers. */
  mergesPending: number;
  /** The newest worker events first. */
  recentEvents: WorkerEvent[];
  /** Every actor type found, sorted by name: its actors, mail, dead letters and turn times. */
  types: TypeInfo[];
}

/** What `systemInfo` reads from. */
export interface SystemInfoDeps {
  redis: RedisClient;
  keys: Keys;
}

/** Options of `systemInfo`. */
export interface SystemInfoOptions {
  /** How many of the fullest mailboxes to list (default 10). */
  top?: number;
  /** How many actors to sample from each ready queue, held list and hash (default 200). */
  sample?: number;
  /** How many of the newest dead letters to list (default 5). */
  deadLetters?: number;
  /** How many of each partition's newest dead letters to count per type (default 100). */
  deadLetterSample?: number;
  /** How many of the newest worker events to list (default 10). */
  events?: number;
}

/** HSCAN's reply: [cursor, [field, value, ...]]; the fields, and whether the scan covered all. */
function scanFields(reply: unknown): { fields: string[]; all: boolean } {
  const [cursor, flat] = reply as [string, string[]];
  return { fields: flat.filter((_, i) => i % 2 === 0), all: cursor === '0' };
}

/**
 * Reads a snapshot of a namespace, read-only and without SCAN: live workers, every partition's
 * owner and queues, the fullest mailboxes, dead letters, paused types and pending merges. A few
 * round trips whatever the partition count (one pipeline per kind of read).
 *
 * The fullest mailboxes are found from where actors with mail wait (ready queues, running, parked,
 * paused and held), sampling at most `sample` actors of each list.
 *
 * @example
 * ```ts
 * const info = await systemInfo({ redis, keys: troupe.keys }, { top: 5 });
 * console.log(info.workers.map((w) => `${w.name}: ${w.owns.length}`), info.busiest[0]);
 * ```
 */
export async function systemInfo(deps: SystemInfoDeps, options: SystemInfoOptions = {}): Promise<SystemInfo> {
  const { redis, keys } = deps;
  const top = options.top ?? 10;
  const sample = options.sample ?? 200;
  const placement = await readPlacement(redis, keys);
  const partitions = placement.total;
  const parts = [...Array(partitions).keys()];

  // 1. every per-partition read and the namespace-wide ones, in one pipeline
  const pipe = anySlotPipeline(redis);
  pipe.time();
  const newestDead = options.deadLetters ?? 5;
  const deadRead = Math.max(newestDead, options.deadLetterSample ?? 100);
  for (const p of parts) {
    pipe.xlen(keys.dead(p));
    pipe.xrevrange(keys.dead(p), '+', '-', 'COUNT', deadRead);
    pipe.hgetall(keys.dirCount(p));
    pipe.get(keys.owner(p));
    pipe.get(keys.epoch(p));
    pipe.llen(keys.ready(p));
    pipe.lrange(keys.ready(p), 0, sample - 1);
    pipe.hlen(keys.running(p));
    pipe.hscan(keys.running(p), '0', 'COUNT', sample);
    pipe.hlen(keys.attempts(p));
    pipe.hscan(keys.attempts(p), '0', 'COUNT', sample);
    pipe.hlen(keys.paused(p));
    pipe.hscan(keys.paused(p), '0', 'COUNT', sample);
    pipe.smembers(keys.heldTypes(p));
    pipe.zcard(keys.timers(p));
    pipe.scard(keys.mergeDue(p));
    pipe.xlen(keys.outbox(p));
  }
  const [res, workers, recentEvents, pausedTypes] = await Promise.all([
    pipe.exec(),
    liveWorkers(redis, keys),
    workerEvents(redis, keys, options.events ?? 10),
    readPausedTypes(redis, keys),
  ]);
  const next = replies(res);
  const [sec, micro] = next() as [string, string];
  const at = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
  let deadCount = 0;
  const deadLetters: { entry: string; brief: DeadLetterBrief }[] = [];
  const deadActors: string[] = [];
  const dirCounts: Record<string, string>[] = [];

  let complete = true;
  /** akey -> [partition, state]; the first state found wins, in the order read below. */
  const seen = new Map<string, { p: number; state: ActorState }>();
  const note = (p: number, akeys: string[], state: ActorState) => {
    for (const a of akeys) if (!seen.has(a)) seen.set(a, { p, state });
  };
  const partitionList: PartitionInfo[] = [];
  const heldTypes: { p: number; type: string }[] = [];
  const parkedLater: { p: number; akeys: string[]; unscanned: number }[] = [];
  for (const p of parts) {
    deadCount += next() as number;
    for (const [i, [entry, flat]] of (next() as [string, string[]][]).entries()) {
      const f = fieldsOf(flat);
      deadActors.push(f.actor ?? '');
      if (i >= newestDead) continue;
      deadLetters.push({
        entry,
        brief: {
          id: deadLetterId(p, entry),
          actor: f.actor ?? '',
          reason: f.reason ?? '',
          attempts: Number(f.attempts) || 0,
          at: Number(entry.split('-')[0]),
        },
      });
    }
    dirCounts.push(next() as Record<string, string>);
    const owner = next() as string | null;
    const epoch = Number(next() ?? 0);
    const ready = next() as number;
    const readySample = next() as string[];
    const running = next() as number;
    const runningScan = scanFields(next());
    const parked = next() as number;
    const parkedScan = scanFields(next());
    const paused = next() as number;
    const pausedScan = scanFields(next());
    const types = next() as string[];
    const timers = next() as number;
    const mergesDue = next() as number;
    const outbox = next() as number;
    if (readySample.length < ready || !runningScan.all || !parkedScan.all || !pausedScan.all)
      complete = false;
    // a running actor may also have an attempts entry (its head message failed before), and a
    // parked actor whose backoff ended is back on the ready queue with its entry: running first,
    // parked last
    note(p, runningScan.fields, 'running');
    note(p, pausedScan.fields, 'paused');
    note(p, readySample, 'ready');
    for (const type of types.sort()) heldTypes.push({ p, type });
    partitionList.push({
      partition: p,
      pool: placement.rangeOf(p).name,
      owner,
      epoch,
      ready,
      running,
      parked,
      paused,
      held: 0,
      timers,
      mergesDue,
      outbox,
    });
    // parked is noted after the held lists are read, below
    parkedLater.push({ p, akeys: parkedScan.fields, unscanned: parked - parkedScan.fields.length });
  }

  // 2. the held lists (only partitions with a paused type's actors have any)
  if (heldTypes.length > 0) {
    const held = anySlotPipeline(redis);
    for (const { p, type } of heldTypes) {
      held.llen(keys.held(p, type));
      held.lrange(keys.held(p, type), 0, sample - 1);
    }
    const nextHeld = replies(await held.exec());
    for (const { p } of heldTypes) {
      const n = nextHeld() as number;
      const akeys = nextHeld() as string[];
      if (akeys.length < n) complete = false;
      partitionList[p]!.held += n;
      note(p, akeys, 'held');
    }
  }
  // an attempts entry stays while the actor is running again, back on the ready queue (its backoff
  // ended), held or paused: count as parked only the actors in none of those
  for (const { p, akeys, unscanned } of parkedLater) {
    note(p, akeys, 'parked');
    partitionList[p]!.parked = unscanned + akeys.filter((a) => seen.get(a)?.state === 'parked').length;
  }

  // 3. the mailbox depth of every actor found
  const actors = [...seen.entries()];
  let busiest: BusyActor[] = [];
  if (actors.length > 0) {
    const llen = anySlotPipeline(redis);
    for (const [akey, { p }] of actors) llen.llen(keys.mailbox(p, akey));
    const nextLen = replies(await llen.exec());
    busiest = actors.map(([actor, { p, state }]) => ({
      actor,
      partition: p,
      mailbox: nextLen() as number,
      state,
    }));
  }
  const mailbox = busiest.reduce((n, b) => n + b.mailbox, 0);
  busiest.sort((a, b) => b.mailbox - a.mailbox || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));

  const [pools, types] = await Promise.all([
    poolInfo(redis, keys, placement, partitionList, workers, at),
    typeInfos(redis, keys, { counts: dirCounts, mail: busiest, deadActors, workers, pausedTypes }),
  ]);
  const sum = (f: (p: PartitionInfo) => number) => partitionList.reduce((n, p) => n + f(p), 0);
  const mergesDue = sum((p) => p.mergesDue);
  return {
    namespace: keys.ns,
    partitions,
    pools,
    at,
    workers: workers.map((w) => ({
      ...w,
      owns: partitionList.filter((p) => p.owner === w.name).map((p) => p.partition),
    })),
    partitionList,
    shards: shardsOf(redis, keys, partitionList),
    unowned: partitionList.filter((p) => p.owner === null).map((p) => p.partition),
    totals: {
      ready: sum((p) => p.ready),
      running: sum((p) => p.running),
      parked: sum((p) => p.parked),
      paused: sum((p) => p.paused),
      held: sum((p) => p.held),
      timers: sum((p) => p.timers),
      mergesDue,
      outbox: sum((p) => p.outbox),
      actorsSeen: actors.length,
      mailbox,
      complete,
    },
    busiest: busiest.slice(0, top),
    deadLetters: {
      count: deadCount,
      newest: deadLetters
        .sort((a, b) => compareEntryIds(b.entry, a.entry))
        .slice(0, newestDead)
        .map((d) => d.brief),
    },
    pausedTypes,
    mergesPending: mergesDue + workers.reduce((n, w) => n + w.mergesPending, 0),
    recentEvents,
    types,
  };
}

/** The partitions of each primary of a cluster, by the slot of their hash tag; none on a single Redis. */
function shardsOf(redis: RedisClient, keys: Keys, partitions: readonly PartitionInfo[]): ShardInfo[] {
  if (!isCluster(redis)) return [];
  const byNode = new Map<string, ShardInfo>();
  for (const p of partitions) {
    const node = primaryKeyOf(redis, keys.owner(p.partition)) ?? 'unknown';
    let shard = byNode.get(node);
    if (!shard) byNode.set(node, (shard = { node, partitions: [], ready: 0, outbox: 0 }));
    shard.partitions.push(p.partition);
    shard.ready += p.ready;
    shard.outbox += p.outbox;
  }
  return [...byNode.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}
