/**
 * What an actor's repeats hash (`{troupe:<ns>:<p>}:rep:<akey>`) says about each repeat, for
 * `ref.schedules()` and `troupe inspect`: field `r:<name>` holds its rule, method and next due time
 * (MessagePack); `m:<name>` the member of that firing in the partition's timers set.
 */
import { pack, unpack } from './codec.ts';

/** How often a repeat fires: a fixed period, or a cron rule (5 fields, or 6 with seconds) in a time zone. */
export type RepeatRule = { everyMs: number } | { cron: string; tz?: string };

/** One of an actor's repeats, as `ref.schedules()` lists it. */
export interface Schedule {
  /** The name given to `this.repeat`. */
  name: string;
  /** When it fires next, in ms since the epoch (it may be past while a firing waits or runs). */
  next: number;
  rule: RepeatRule;
  /** The handler each firing calls. */
  method: string;
}

export function encodeRepeatRecord(r: { rule: RepeatRule; method: string; due: number }): Buffer {
  return pack({ rule: r.rule, method: r.method, due: r.due });
}

/** The schedules in a repeats hash (HGETALL, as buffers), soonest first. */
export function schedulesOf(hash: Record<string, Buffer>): Schedule[] {
  const out: Schedule[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (!field.startsWith('r:')) continue;
    try {
      const r = unpack(value) as { rule: RepeatRule; method: string; due: number };
      out.push({ name: field.slice(2), next: r.due, rule: r.rule, method: r.method });
    } catch {
      // an unreadable record lists nothing rather than failing the listing
    }
  }
  return out.sort((a, b) => a.next - b.next || (a.name < b.name ? -1 : 1));
}
