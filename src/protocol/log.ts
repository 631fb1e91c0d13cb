import { ProtocolError } from '../errors.ts';
import { pack, unpack } from './codec.ts';

/**
 * The context log of one actor: element 0 is the base, the rest are segments in commit order. An
 * empty base means `initial()`. It is stored as a Redis list, after the entries an idle actor had
 * stowed in its log bucket (packStowed). See docs/protocol.md.
 */
export interface BaseRecord<C = unknown> {
  /** Base format version. */
  v: number;
  /** How many merges produced this base. */
  version: number;
  /** Sequence of the last segment folded into this base. */
  seq: number;
  /** Time stamp of the last segment folded into this base (0 for none): the base is the context as of then. */
  ts: number;
  ctx: C;
}

export interface Segment<S = unknown> {
  seq: number;
  ts: number;
  seg: S;
}

export const BASE_FORMAT = 1;

export function encodeBase(base: BaseRecord): Buffer {
  return pack(base);
}

export function encodeSegment(seq: number, ts: number, seg: unknown): Buffer {
  return pack([seq, ts, seg]);
}

export function decodeSegment(bytes: Uint8Array): Segment {
  const raw = unpack(bytes);
  if (!Array.isArray(raw) || raw.length !== 3 || typeof raw[0] !== 'number' || typeof raw[1] !== 'number') {
    throw new ProtocolError('context log segment must be a [seq, ts, segment] array');
  }
  return { seq: raw[0], ts: raw[1], seg: raw[2] as unknown };
}

export function decodeBase(bytes: Uint8Array): BaseRecord | undefined {
  if (bytes.length === 0) return undefined;
  const raw = unpack(bytes) as BaseRecord;
  if (typeof raw !== 'object' || raw === null || typeof raw.seq !== 'number') {
    throw new ProtocolError('context log base must be a map with a numeric "seq"');
  }
  return raw;
}

export interface Folded<C> {
  ctx: C;
  /** Sequence of the last segment folded in. */
  seq: number;
  /** Time of the last segment folded in (0 when none ever was). */
  ts: number;
  /** Merge count of the base. */
  version: number;
  /** Segments folded on top of the base. */
  segments: number;
}

/**
 * Folds a context log (as LRANGE returns it: base first) with the actor's initial context and
 * apply. With `at`, stops before the first segment stamped later than `at`.
 */
export function foldLog<C, S>(
  entries: Uint8Array[],
  initial: () => C,
  apply: (ctx: C, seg: S) => C,
  at = Infinity,
): Folded<C> {
  const [baseBytes, ...segments] = entries;
  const base = baseBytes ? decodeBase(baseBytes) : undefined;
  const out: Folded<C> = {
    ctx: base ? (base.ctx as C) : initial(),
    seq: base?.seq ?? 0,
    ts: base?.ts ?? 0,
    version: base?.version ?? 0,
    segments: 0,
  };
  for (const bytes of segments) {
    const s = decodeSegment(bytes);
    if (s.ts > at) break;
    out.ctx = apply(out.ctx, s.seg as S);
    out.seq = s.seq;
    out.ts = s.ts;
    out.segments++;
  }
  return out;
}

/**
 * Which stored list answers "the context as of `at`" (`read({ at })`, `troupe inspect --at`): the
 * log from its base's time on; before that, the merged segments a type keeps with `retainMs`. When
 * neither reaches back that far, `since` is the earliest time that can be asked for.
 */
export function entriesAsOf<E extends Uint8Array>(
  log: E[],
  history: E[],
  at: number,
): { entries: E[] } | { since: number } {
  const logBase = log[0] ? decodeBase(log[0]) : undefined;
  if (!logBase || at >= logBase.ts) return { entries: log };
  const histBase = history[0] ? decodeBase(history[0]) : undefined;
  if (history.length > 0 && at >= (histBase?.ts ?? 0)) return { entries: history };
  return { since: histBase?.ts ?? logBase.ts };
}

/**
 * An idle actor's log entries stowed as one value in its partition's log bucket (see
 * docs/context-log.md): each entry as its length (LEB128 varint) then its bytes. The stowed entries
 * come first in the log, then whatever the log list holds.
 */
export function packStowed(entries: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const len: number[] = [];
    let n = e.length;
    while (n >= 0x80) {
      len.push((n % 0x80) + 0x80);
      n = Math.floor(n / 0x80);
    }
    len.push(n);
    parts.push(Uint8Array.from(len), e);
  }
  return Buffer.concat(parts);
}

export function unpackStowed(blob: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = blob[at++];
      if (b === undefined) throw new ProtocolError('stowed context log ends inside an entry length');
      n += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    if (at + n > blob.length) throw new ProtocolError('stowed context log ends inside an entry');
    entries.push(blob.subarray(at, at + n));
    at += n;
  }
  return entries;
}

/** A log as Redis holds it: the entries stowed in its log bucket (packed), then its list's. */
export interface StoredLog {
  stowed: Buffer | null | undefined;
  list: Buffer[];
}

/** The whole log: the entries stowed in the bucket (when any), then the log list's. */
export function joinLog({ stowed, list }: StoredLog): Buffer[] {
  return stowed ? [...unpackStowed(stowed), ...list] : list;
}
