import type { Actor } from '../actor/actor.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import { ConfigError } from '../errors.ts';
import { decodeBase, decodeSegment, entriesAsOf, foldLog, joinLog } from '../protocol/log.ts';
import { decodeIndexMember, readIndexRecord } from '../protocol/index-entry.ts';
import { actorKey } from '../protocol/partition.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { readPlacement } from '../redis/placement-store.ts';
import type { BaseInfo, InspectReport, SegmentInfo } from './inspection.ts';
import { schedulesOf } from '../protocol/repeat-record.ts';

/** Options of `admin.inspect()`. */
export interface InspectOptions {
  /** How many of the newest segments to show (default 10). */
  last?: number;
  /** Fold the context as of this time (ms since the epoch), as `read({ at })` does. */
  at?: number;
}

/**
 * Everything Redis holds about one actor, read in one MULTI without writing anything: its log's
 * base and newest segments, retained history, merge lock and flag, mailbox, directory record and,
 * when `entry` (the class) is given, its folded context.
 */
export async function inspectActor(
  redis: RedisClient,
  k: Keys,
  type: string,
  id: string,
  entry: RegisteredActor | undefined,
  options: InspectOptions = {},
): Promise<InspectReport> {
  const { at } = options;
  const last = options.last ?? 10;
  const placement = await readPlacement(redis, k);
  const p = placement.partitionOf(type, id);
  const partitions = placement.countAt(p);
  const akey = actorKey(type, id);
  const keys = {
    log: k.log(p, akey),
    logBucket: k.logBucketOf(p, akey, partitions),
    history: k.history(p, akey),
    lock: k.lock(p, akey),
    mailbox: k.mailbox(p, akey),
    directory: k.dirOf(p, type, id, partitions),
  };
  // one MULTI: every key is in the partition's slot, and a merge cannot land between the reads
  const reads = redis
    .multi()
    .hgetBuffer(keys.logBucket, akey)
    .lrangeBuffer(keys.log, 0, -1)
    .llen(keys.history)
    .lindexBuffer(keys.history, 0)
    .pttl(keys.lock)
    .llen(keys.mailbox)
    .hexists(k.running(p), akey)
    .sismember(k.mergeDue(p), akey)
    .hgetBuffer(keys.directory, id)
    .hgetallBuffer(k.repeats(p, akey));
  // the whole history only when `at` may need to fold it
  const res = await (at === undefined ? reads : reads.lrangeBuffer(keys.history, 0, -1)).exec();
  const [stowed, list, histLen, histHead, lockTtl, mailbox, running, due, record, repeats, histAll] = (
    res ?? []
  ).map(([err, value]) => {
    if (err) throw err;
    return value;
  }) as [
    Buffer | null,
    Buffer[],
    number,
    Buffer | null,
    number,
    number,
    number,
    number,
    Buffer | null,
    Record<string, Buffer>,
    Buffer[] | undefined,
  ];
  const log = joinLog({ stowed, list });

  const segments = log.slice(1);
  const base = describeBase(log[0]);
  const history = histLen > 0 ? { segments: histLen - 1, base: describeBase(histHead ?? undefined) } : null;
  const report: InspectReport = {
    namespace: k.ns,
    type,
    id,
    partition: p,
    partitions: placement.total,
    pool: placement.rangeOf(p).name,
    keys,
    base: { ...base, ctx: baseCtx(log[0]) },
    log: {
      exists: log.length > 0,
      segments: segments.length,
      bytes: sum(segments.map((s) => s.length)),
      stowed: log.length - list.length,
    },
    last: segments
      .slice(segments.length - Math.min(last, segments.length))
      .map((bytes, i, shown) => describeSegment(bytes, segments.length - shown.length + i + 1)),
    history,
    timeTravel: timeTravelFrom(base, history),
    // PTTL: -2 no key, -1 no expiry (never set so by Troupe), else ms left
    lock: { held: lockTtl !== -2, ttlMs: lockTtl >= 0 ? lockTtl : null },
    mailbox,
    running: running === 1,
    mergeDue: due === 1,
    indexed: record === null ? null : indexedValues(record),
    schedules: schedulesOf(repeats),
    policy: entry ? entry.merge : null,
    at: at === undefined ? null : { ts: at, time: new Date(at).toISOString() },
    context: null,
    folded: null,
  };
  if (!entry) {
    report.note = `the folded context needs the ${type} class: connect with it (connect({ actors: [...] }))`;
    return report;
  }
  const found = at === undefined ? { entries: log } : entriesAsOf(log, histAll ?? [], at);
  if (!('entries' in found)) {
    throw new ConfigError(
      `${akey} has no history before ${iso(found.since)}, so it cannot be read that far back: ` +
        `pick a later time, or set \`static merge = { retainMs: ... }\` on the ${type} class to keep merged segments`,
    );
  }
  try {
    const actor = new entry.cls() as Actor;
    const f = foldLog(
      found.entries,
      () => actor.initial(),
      (c, s) => actor.apply(c, s),
      at,
    );
    report.context = f.ctx;
    report.folded = { seq: f.seq, ts: f.ts || null, time: iso(f.ts || null), segments: f.segments };
  } catch (err) {
    // show the raw log anyway: a log that does not fold is exactly what one inspects
    report.note = `folding failed: ${(err as Error).message}`;
  }
  return report;
}

/** The values of a directory record, decoded from their index encodings. */
function indexedValues(record: Buffer): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [field, enc] of readIndexRecord(record)) out[field] = decodeIndexMember(enc).value;
  return out;
}

function describeBase(bytes: Buffer | undefined): BaseInfo {
  const size = bytes?.length ?? 0;
  try {
    const base = bytes ? decodeBase(bytes) : undefined;
    if (!base) return { empty: true, version: 0, seq: 0, ts: null, time: null, bytes: size };
    const ts = base.ts || null;
    return { empty: false, version: base.version ?? 0, seq: base.seq, ts, time: iso(ts), bytes: size };
  } catch (err) {
    return {
      empty: false,
      version: 0,
      seq: 0,
      ts: null,
      time: null,
      bytes: size,
      error: (err as Error).message,
    };
  }
}

function baseCtx(bytes: Buffer | undefined): unknown {
  try {
    return (bytes ? decodeBase(bytes)?.ctx : undefined) ?? null;
  } catch {
    return null;
  }
}

function describeSegment(bytes: Buffer, index: number): SegmentInfo {
  try {
    const s = decodeSegment(bytes);
    return { index, seq: s.seq, ts: s.ts, time: iso(s.ts), bytes: bytes.length, seg: s.seg };
  } catch (err) {
    const hex = bytes.subarray(0, 64).toString('hex');
    return {
      index,
      seq: null,
      ts: null,
      time: null,
      bytes: bytes.length,
      seg: hex,
      error: (err as Error).message,
    };
  }
}

/** Mirrors read({ at }): the log answers from its base on, retained history from its own base. */
function timeTravelFrom(base: BaseInfo, history: InspectReport['history']): InspectReport['timeTravel'] {
  const from = base.empty ? null : history ? history.base.ts : base.ts;
  return { ts: from, time: iso(from) };
}

function iso(ts: number | null): string | null {
  if (ts === null || !Number.isFinite(ts)) return null;
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function sum(ns: number[]): number {
  return ns.reduce((a, b) => a + b, 0);
}
