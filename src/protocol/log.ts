import { ProtocolError } from '../errors.ts';
import { pack, unpack } from './codec.ts';

/**
 * The context log of one actor is a Redis list: element 0 is the base, the rest are segments in
 * commit order. An empty base means `initial()`. See docs/protocol.md.
 */
export interface BaseRecord<C = unknown> {
  /** Base format version. */
  v: number;
  /** Sequence of the last segment folded into this base. */
  seq: number;
  /** When the base was written. */
  ts: number;
  ctx: C;
}

export interface Segment<S = unknown> {
  seq: number;
  ts: number;
  seg: S;
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

/** Folds a context log (as LRANGE returns it) with the actor's initial context and apply. */
export function foldLog<C, S>(
  entries: Uint8Array[],
  initial: () => C,
  apply: (ctx: C, seg: S) => C,
): { ctx: C; seq: number } {
  const [baseBytes, ...segments] = entries;
  const base = baseBytes ? decodeBase(baseBytes) : undefined;
  let ctx = base ? (base.ctx as C) : initial();
  let seq = base ? base.seq : 0;
  for (const bytes of segments) {
    const s = decodeSegment(bytes);
    ctx = apply(ctx, s.seg as S);
    seq = s.seq;
  }
  return { ctx, seq };
}
