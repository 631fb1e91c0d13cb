/**
 * What `admin.inspect()` and `troupe inspect` report about one actor (built by client/inspect.ts; the
 * command line prints it as text or JSON).
 */
import type { MergePolicy } from '../actor/policies.ts';
import type { Schedule } from '../protocol/repeat-record.ts';

/** A context log entry's header, as `troupe inspect` reports it. */
export interface BaseInfo {
  /** True when the base is the empty string (or the log does not exist): the context starts at `initial()`. */
  empty: boolean;
  /** How many merges produced this base (0: never merged). */
  version: number;
  /** Sequence of the last segment folded into the base. */
  seq: number;
  /** Time stamp of the last segment folded into the base (ms since the epoch), null when empty. */
  ts: number | null;
  time: string | null;
  bytes: number;
  /** Set when the entry could not be decoded. */
  error?: string;
}

/** One segment of the log, decoded for display. */
export interface SegmentInfo {
  /** Position in the Redis list (LINDEX); the base is 0. */
  index: number;
  seq: number | null;
  ts: number | null;
  time: string | null;
  bytes: number;
  seg: unknown;
  /** Set when the entry could not be decoded. */
  error?: string;
}

/** What `troupe inspect --json` prints: one object, stable for scripts. */
export interface InspectReport {
  namespace: string;
  type: string;
  id: string;
  partition: number;
  /** Every pool's partitions. */
  partitions: number;
  /** The pool of the actor's type. */
  pool: string;
  keys: { log: string; logBucket: string; history: string; lock: string; mailbox: string; directory: string };
  base: BaseInfo & { ctx: unknown };
  /**
   * Segments after the base; `bytes` sums them (what the `bytes` merge threshold measures).
   * `stowed`: how many of the log's entries (base first) an idle actor keeps in its log bucket.
   */
  log: { exists: boolean; segments: number; bytes: number; stowed: number };
  /** The newest segments, oldest first (at most --last). */
  last: SegmentInfo[];
  /** Merged segments kept for `read({ at })` (types with `retainMs`); null when none are kept. */
  history: { segments: number; base: BaseInfo } | null;
  /** The earliest time `read({ at })` can answer for; null ts means back to `initial()`. */
  timeTravel: { ts: number | null; time: string | null };
  lock: { held: boolean; ttlMs: number | null };
  mailbox: number;
  /** A worker has claimed the actor's mail and not yet committed. */
  running: boolean;
  /** A commit flagged the log as long; the partition owner's sweep will merge it. */
  mergeDue: boolean;
  /**
   * In its type's directory (docs/indexes.md), with the value it is indexed under per field (as
   * the last commit wrote them); null when not listed (no turn committed, or destroyed).
   */
  indexed: Record<string, string | number | boolean> | null;
  /** Its repeats (`this.repeat`), soonest first, as `ref.schedules()` lists them. */
  schedules: Schedule[];
  /** The type's merge policy, when --actors supplied the class. */
  policy: Required<MergePolicy> | null;
  /** The time --at asked for: `context` and `folded` are as of it. Null without --at (now). */
  at: { ts: number; time: string } | null;
  /** `base ⊕ segments` folded with the class's apply; null without --actors or when folding failed. */
  context: unknown;
  folded: { seq: number; ts: number | null; time: string | null; segments: number } | null;
  /** Why `context` is null. */
  note?: string;
}
