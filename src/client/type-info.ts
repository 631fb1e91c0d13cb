/** What `admin.info()` reports per actor type: its actors, mail, dead letters and turn times. */
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { anySlotPipeline } from '../redis/fan-out.ts';
import { replies } from '../redis/replies.ts';
import { addTurnCounts, emptyTurnCounts, turnQuantile } from '../protocol/turn-times.ts';
import type { WorkerInfo } from './registry.ts';

/** One actor type, as `admin.info()` sees it. */
export interface TypeInfo {
  type: string;
  /** Actors in the type's directory: each one with a committed turn that was not destroyed. */
  actors: number;
  /** Actors with mail waiting (ready, running, parked, paused or held), of those `info` looked at. */
  actorsWithMail: number;
  /** Messages waiting in those actors' mailboxes. */
  mailbox: number;
  /** Paused by an operator (`admin.pause`). */
  paused: boolean;
  /** Its dead letters, counted in the newest `sample` entries of each partition's stream. */
  deadLetters: number;
  /** Live workers that run it, by name. */
  workers: string[];
  /** Turns the live workers ran since they started. */
  turns: number;
  /**
   * Percentiles of those turns' durations in ms, each the upper bound of the bucket it falls in
   * (`TURN_MS_BOUNDS`); null before the first turn.
   */
  turnMs: { p50: number; p90: number; p99: number } | null;
  /** Its indexed fields a query can use now (built; docs/indexes.md). */
  indexes: string[];
}

/** What the per-partition reads of `systemInfo` found, for {@link typeInfos}. */
export interface TypeTallies {
  /** `HGETALL` of each partition's directory counts (type -> actors). */
  counts: Record<string, string>[];
  /** The actor keys ("type/id") with mail and their mailbox depths. */
  mail: readonly { actor: string; mailbox: number }[];
  /** The `actor` field of each sampled dead letter. */
  deadActors: readonly string[];
  workers: readonly WorkerInfo[];
  pausedTypes: readonly string[];
}

const typeOf = (akey: string): string => akey.slice(0, Math.max(0, akey.indexOf('/')));

/**
 * Every type found anywhere (a directory count, mail, a dead letter, a worker that runs it, the
 * paused set), sorted by name, with its indexed fields read in one more round trip.
 */
export async function typeInfos(redis: RedisClient, keys: Keys, t: TypeTallies): Promise<TypeInfo[]> {
  const byType = new Map<string, TypeInfo>();
  const the = (type: string): TypeInfo => {
    let info = byType.get(type);
    if (!info) {
      info = {
        type,
        actors: 0,
        actorsWithMail: 0,
        mailbox: 0,
        paused: t.pausedTypes.includes(type),
        deadLetters: 0,
        workers: [],
        turns: 0,
        turnMs: null,
        indexes: [],
      };
      byType.set(type, info);
    }
    return info;
  };
  for (const counts of t.counts)
    for (const [type, n] of Object.entries(counts)) the(type).actors += Number(n);
  for (const { actor, mailbox } of t.mail) {
    const info = the(typeOf(actor));
    info.actorsWithMail++;
    info.mailbox += mailbox;
  }
  for (const actor of t.deadActors) if (actor.includes('/')) the(typeOf(actor)).deadLetters++;
  for (const type of t.pausedTypes) the(type);
  const histograms = new Map<string, number[]>();
  for (const w of t.workers) {
    for (const type of w.types) the(type).workers.push(w.name);
    for (const [type, counts] of Object.entries(w.turnMs)) {
      let sum = histograms.get(type);
      if (!sum) histograms.set(type, (sum = emptyTurnCounts()));
      addTurnCounts(sum, counts);
    }
  }
  for (const [type, counts] of histograms) {
    const info = the(type);
    info.turns = counts.reduce((a, b) => a + b, 0);
    const p50 = turnQuantile(counts, 0.5);
    if (p50 !== null) {
      info.turnMs = { p50, p90: turnQuantile(counts, 0.9) ?? p50, p99: turnQuantile(counts, 0.99) ?? p50 };
    }
  }
  const types = [...byType.values()].filter((i) => i.type !== '').sort((a, b) => (a.type < b.type ? -1 : 1));
  if (types.length > 0) {
    const pipe = anySlotPipeline(redis);
    for (const { type } of types) pipe.hkeys(keys.indexState(type));
    const next = replies(await pipe.exec());
    for (const info of types) {
      info.indexes = (next() as string[])
        .filter((f) => f.startsWith('built:'))
        .map((f) => f.slice('built:'.length))
        .sort();
    }
  }
  return types;
}
