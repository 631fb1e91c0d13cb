import type { Redis } from 'ioredis';
import { joinLog } from '../protocol/log.ts';
import type { Keys } from './keys.ts';

/** An actor's place: its partition, `<type>/<id>`, and the namespace's partition count. */
export interface LogAt {
  p: number;
  akey: string;
  partitions: number;
}

/**
 * An actor's context log (base first), how many of its entries are in its list (the others are
 * stowed), and with `history` the merged segments kept for `read({ at })`. One MULTI: a stow or merge running beside it is seen wholly or not at all.
 * `upTo` bounds the list entries read (a merge folds a chunk at a time).
 */
export async function readLog(
  redis: Redis,
  keys: Keys,
  at: LogAt,
  opts: { history?: boolean; upTo?: number } = {},
): Promise<{ log: Buffer[]; listed: number; history: Buffer[] }> {
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
  return { log: joinLog(stowed, list), listed: list.length, history };
}
