import type { RedisClient } from './client.ts';
import { joinLog, type StoredLog } from '../protocol/log.ts';
import type { Keys } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** An actor's place: its partition, `<type>/<id>`, and the namespace's partition count. */
export interface LogAt {
  p: number;
  akey: string;
  /** The partition count of p's pool (an actor's log bucket depends on it). */
  partitions: number;
}

/**
 * An actor's context log as Redis holds it (stowed entries, then its list), and with `history` the
 * merged segments kept for `read({ at })`. One MULTI: a stow or merge running beside it is seen
 * wholly or not at all. `upTo` bounds the list entries read (a merge folds a chunk at a time).
 */
export async function readStoredLog(
  redis: RedisClient,
  keys: Keys,
  at: LogAt,
  opts: { history?: boolean; upTo?: number } = {},
): Promise<{ stored: StoredLog; history: Buffer[] }> {
  const tx = redis
    .multi()
    .hgetBuffer(keys.logBucketOf(at.p, at.akey, at.partitions), at.akey)
    .lrangeBuffer(keys.log(at.p, at.akey), 0, opts.upTo ?? -1);
  if (opts.history) tx.lrangeBuffer(keys.history(at.p, at.akey), 0, -1);
  const res = await tx.exec();
  const [stowed, list, history = []] = (res ?? []).map(([err, value]) => {
    if (err) throw err;
    return value;
  }) as [Buffer | null, Buffer[], Buffer[]?];
  return { stored: { stowed, list }, history };
}

/** The log (base first) and history as readStoredLog reads them; a ProtocolError if unreadable. */
export async function readLog(
  redis: RedisClient,
  keys: Keys,
  at: LogAt,
  opts: { history?: boolean; upTo?: number } = {},
): Promise<{ log: Buffer[]; history: Buffer[] }> {
  const { stored, history } = await readStoredLog(redis, keys, at, opts);
  return { log: joinLog(stored), history };
}

/** Actors stowed per script call: bounds how long one call holds Redis. */
const STOW_BATCH = 256;

/**
 * Moves the log lists of actors `akeys` of partition p into their log buckets (stow.lua), a batch
 * per call. Returns the entries moved.
 */
export async function stowLogs(
  scripted: ScriptedRedis,
  keys: Keys,
  partitions: number,
  p: number,
  akeys: readonly string[],
): Promise<number> {
  let moved = 0;
  for (let i = 0; i < akeys.length; i += STOW_BATCH) {
    const batch = akeys.slice(i, i + STOW_BATCH);
    const k = batch.flatMap((akey) => [keys.log(p, akey), keys.logBucketOf(p, akey, partitions)]);
    moved += Number(await scripted.run('stow', k, batch));
  }
  return moved;
}
