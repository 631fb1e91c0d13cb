import type { Placement } from '../protocol/placement.ts';
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/client.ts';
import { nanoid } from 'nanoid';
import type { Actor } from '../actor/actor.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import { BASE_FORMAT, decodeSegment, encodeBase, foldLog } from '../protocol/log.ts';
import { readLog } from '../redis/context-log.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/** What merging needs from its surroundings. */
export interface MergeDeps {
  redis: RedisClient;
  scripted: ScriptedRedis;
  keys: Keys;
  /** Where actors live now (an actor's partition, and its log bucket, depend on its pool). */
  placement: () => Placement;
  /** Lock time to live; the holder renews it every third of that while it works. */
  lockMs: number;
  /** Segments folded per merge step, bounding memory for very long logs. */
  chunk: number;
  now: () => number;
}

/** Where an actor lives: its partition and `<type>/<id>`. */
export interface ActorAt {
  p: number;
  akey: string;
}

/**
 * The per-actor merge lock: `SET NX PX` with a random token, renewed while held, released only by
 * its holder (token checked in Lua). Unlike an INCR counter it has an owner and an expiry, so a
 * merger that dies holding it blocks merges for at most `lockMs`.
 */
export class MergeLock {
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly deps: MergeDeps,
    private readonly key: string,
    readonly token: string,
  ) {}

  /** Takes the lock, or returns undefined when another merger holds it. */
  static async take(deps: MergeDeps, at: ActorAt): Promise<MergeLock | undefined> {
    const key = deps.keys.lock(at.p, at.akey);
    const token = nanoid(16);
    const ok = await deps.redis.set(key, token, 'PX', deps.lockMs, 'NX');
    return ok === 'OK' ? new MergeLock(deps, key, token) : undefined;
  }

  /**
   * Keeps the lock alive until release(). A renewal that fails needs no handling here: the merge
   * script checks the token, so a merger that lost its lock cannot trim anything.
   */
  keepAlive(): void {
    this.timer = setInterval(
      () => {
        this.deps.scripted.run('relock', [this.key], [this.token, this.deps.lockMs]).catch(() => 0);
      },
      Math.max(10, Math.floor(this.deps.lockMs / 3)),
    );
    this.timer.unref();
  }

  async release(): Promise<boolean> {
    clearInterval(this.timer);
    return (await this.deps.scripted.run('unlock', [this.key], [this.token])) === 1;
  }
}

/** A fold ready to commit: k segments after the base whose sha1 is `baseSha`, folded into `base`. */
export interface MergePlan {
  k: number;
  baseSha: string;
  base: Buffer;
}

function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function folder(entry: RegisteredActor): Pick<Actor, 'initial' | 'apply'> {
  return new entry.cls() as Actor;
}

/**
 * Reads the base and up to `chunk` oldest segments of a log and folds them into a new base. With
 * `list: 'history'` and `before`, folds only the leading segments of the retained history stamped
 * earlier than `before` (trimming it).
 */
export async function planMerge(
  deps: MergeDeps,
  at: ActorAt,
  entry: RegisteredActor,
  { list = 'log', before = Infinity }: { list?: 'log' | 'history'; before?: number } = {},
): Promise<MergePlan | undefined> {
  const entries =
    list === 'history'
      ? await deps.redis.lrangeBuffer(deps.keys.history(at.p, at.akey), 0, deps.chunk)
      : (
          await readLog(
            deps.redis,
            deps.keys,
            { ...at, partitions: deps.placement().countAt(at.p) },
            { upTo: deps.chunk },
          )
        ).log;
  if (entries.length <= 1) return undefined;
  let take = entries.length;
  if (before !== Infinity) {
    take = 1;
    while (take < entries.length && decodeSegment(entries[take]!).ts < before) take++;
    if (take === 1) return undefined;
  }
  const actor = folder(entry);
  const used = entries.slice(0, take);
  const folded = foldLog(
    used,
    () => actor.initial(),
    (c, s) => actor.apply(c, s),
  );
  const base = encodeBase({
    v: BASE_FORMAT,
    version: folded.version + 1,
    seq: folded.seq,
    ts: folded.ts,
    ctx: folded.ctx,
  });
  return { k: take - 1, baseSha: sha1(entries[0]!), base };
}

/** The merge script's answer: segments left, or why nothing was written. */
export type MergeCommit =
  { ok: true; remaining: number } | { ok: false; reason: 'lock-lost' | 'base-changed' };

export async function commitMerge(
  deps: MergeDeps,
  at: ActorAt,
  lock: MergeLock,
  plan: MergePlan,
  options: { list?: 'log' | 'history'; retain?: boolean } = {},
): Promise<MergeCommit> {
  const k = deps.keys;
  const onLog = options.list !== 'history';
  const res = Number(
    await deps.scripted.run(
      'merge',
      [
        onLog ? k.log(at.p, at.akey) : k.history(at.p, at.akey),
        k.lock(at.p, at.akey),
        k.history(at.p, at.akey),
        k.mergeDue(at.p),
        k.logBucketOf(at.p, at.akey, deps.placement().countAt(at.p)),
      ],
      [lock.token, plan.baseSha, plan.k, plan.base, options.retain ? 1 : 0, at.akey, onLog ? 1 : 0],
    ),
  );
  if (res === -1) return { ok: false, reason: 'lock-lost' };
  if (res === -2) return { ok: false, reason: 'base-changed' };
  return { ok: true, remaining: res };
}

export interface MergeResult {
  status: 'merged' | 'nothing' | 'locked' | 'lock-lost' | 'base-changed';
  /** Segments folded into the base. */
  folded: number;
  /** Segments left in the log after the last step. */
  remaining: number;
}

/**
 * Merges an actor's log under its lock, chunk by chunk until fewer than a chunk remain, then trims
 * retained history older than `retainMs`. Safe beside appends by the owner and beside other mergers.
 */
export async function mergeActor(deps: MergeDeps, at: ActorAt, entry: RegisteredActor): Promise<MergeResult> {
  const lock = await MergeLock.take(deps, at);
  if (!lock) return { status: 'locked', folded: 0, remaining: -1 };
  lock.keepAlive();
  const result: MergeResult = { status: 'nothing', folded: 0, remaining: 0 };
  try {
    const retain = entry.merge.retainMs > 0;
    for (;;) {
      const plan = await planMerge(deps, at, entry);
      if (!plan) break;
      const res = await commitMerge(deps, at, lock, plan, { retain });
      if (!res.ok) return { ...result, status: res.reason };
      result.status = 'merged';
      result.folded += plan.k;
      result.remaining = res.remaining;
      // a step that folded less than a full chunk reached the tail as it was when read
      if (plan.k < deps.chunk) break;
    }
    if (retain) {
      const cutoff = deps.now() - entry.merge.retainMs;
      const plan = await planMerge(deps, at, entry, { list: 'history', before: cutoff });
      if (plan) {
        const res = await commitMerge(deps, at, lock, plan, { list: 'history' });
        if (!res.ok) return { ...result, status: res.reason };
      }
    }
    return result;
  } finally {
    await lock.release().catch(() => false);
  }
}
