import { ConfigError } from '../errors.ts';
import { dirBucketOf, logBucketOf } from '../protocol/partition.ts';

const NAME = /^[A-Za-z0-9_.:-]+$/;
// no ':' in a namespace: `a:reply` would reach into namespace `a`'s keys
const NAMESPACE = /^[A-Za-z0-9_.-]+$/;

export function checkName(kind: string, value: string): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ConfigError(
      `${kind} "${String(value)}" is not allowed: use letters, digits and _ . : - (no "/", no spaces, not empty)`,
    );
  }
  return value;
}

/**
 * Every Redis key Troupe uses, in one place. All keys of one partition share the hash tag
 * `{troupe:<ns>:<p>}` so a partition lives in one cluster slot and its scripts stay single-slot;
 * the namespace-wide keys (worker registry and events, paused types, control and reply lists)
 * share the tag `{troupe:<ns>}`, so every script or transaction over them is single-slot too
 * (layout 4; before, they were named `troupe:<ns>:…`, see `legacy`). The meta hash keeps its name
 * `troupe:<ns>:meta` from layout 1 on: every version and language finds a namespace by it, and no
 * script touches it beside another key.
 */
export class Keys {
  readonly ns: string;
  constructor(namespace: string) {
    if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
      throw new ConfigError(
        `namespace "${String(namespace)}" is not allowed: use letters, digits and _ . - (no ":", "/" or spaces)`,
      );
    }
    this.ns = namespace;
  }

  /** `{troupe:<ns>}:` */
  get nsPrefix(): string {
    return `{troupe:${this.ns}}:`;
  }
  /** Namespace-wide keys as layouts before 4 named them, for detection and `troupe migrate`. */
  get legacy(): LegacyKeys {
    return legacyKeys(this.ns);
  }
  /** `{troupe:<ns>:` — a partition tag without its number. */
  get tagOpener(): string {
    return `{troupe:${this.ns}:`;
  }
  meta(): string {
    return `troupe:${this.ns}:meta`;
  }
  workers(): string {
    return `${this.nsPrefix}workers`;
  }
  control(workerId: string): string {
    return `${this.nsPrefix}ctl:${workerId}`;
  }
  /** A live worker's registry entry (hash), written by its heartbeat and expiring with it. */
  workerInfo(workerId: string): string {
    return `${this.nsPrefix}worker:${workerId}`;
  }
  /** The pools each live worker serves (hash: worker id -> comma-separated pool names). */
  workerPools(): string {
    return `${this.nsPrefix}worker-pools`;
  }
  /** Workers born, left and found dead (stream, capped). */
  workerEvents(): string {
    return `${this.nsPrefix}worker-events`;
  }
  /** Actor types an operator paused (set): no new turns of them start. */
  pausedTypes(): string {
    return `${this.nsPrefix}paused-types`;
  }
  replies(clientId: string): string {
    return `${this.nsPrefix}reply:${clientId}`;
  }
  /** Where an admin command's answer comes back (a list, one per command). */
  adminReply(id: string): string {
    return `${this.nsPrefix}admin:${id}`;
  }

  /** `{troupe:<ns>:<p>}:` */
  partition(p: number): string {
    return `${this.tagOpener}${p}}:`;
  }
  owner(p: number): string {
    return `${this.partition(p)}owner`;
  }
  epoch(p: number): string {
    return `${this.partition(p)}epoch`;
  }
  ready(p: number): string {
    return `${this.partition(p)}ready`;
  }
  running(p: number): string {
    return `${this.partition(p)}running`;
  }
  wake(p: number): string {
    return `${this.partition(p)}wake`;
  }
  mailboxPrefix(p: number): string {
    return `${this.partition(p)}mb:`;
  }
  mailbox(p: number, akey: string): string {
    return `${this.mailboxPrefix(p)}${akey}`;
  }
  /** Marks a message id accepted by `tell_once` for its window. */
  seen(p: number, messageId: string): string {
    return `${this.partition(p)}seen:${messageId}`;
  }
  logPrefix(p: number): string {
    return `${this.partition(p)}ctx:`;
  }
  log(p: number, akey: string): string {
    return `${this.logPrefix(p)}${akey}`;
  }
  /**
   * Log bucket b of partition p (hash: akey -> stowed entries): idle actors' logs, packed small. An
   * actor's bucket is `logBucketOf(akey, partitions)`.
   */
  logBucket(p: number, bucket: number): string {
    return `${this.partition(p)}logs:${bucket}`;
  }
  /** The log bucket of actor `akey` of partition p, in a namespace of `partitions` partitions. */
  logBucketOf(p: number, akey: string, partitions: number): string {
    return this.logBucket(p, logBucketOf(akey, partitions));
  }
  /** Merged segments kept for `read({ at })` when the type sets `retainMs`. */
  history(p: number, akey: string): string {
    return `${this.partition(p)}hist:${akey}`;
  }
  /**
   * An actor's repeats (hash): `m:<name>` -> the member of its next firing in the timers set,
   * `r:<name>` -> its rule, method and due time (MessagePack), for listing.
   */
  repeats(p: number, akey: string): string {
    return `${this.partition(p)}rep:${akey}`;
  }
  /** The per-actor merge lock. */
  lock(p: number, akey: string): string {
    return `${this.partition(p)}lock:${akey}`;
  }
  /**
   * `troupe migrate --actors`'s journal in partition p's slot (hash), so a move between slots can
   * stop anywhere and be run again: `out:<key>` = batches trimmed from a list of p, `in:<key>` =
   * "<batch> <count>" pushed into p from list <key>, `dead:<id>` = the id a dead letter got here.
   */
  moving(p: number): string {
    return `${this.partition(p)}moving`;
  }
  /** Messages to deliver later and retry backoffs ending: member `<akey>\0<envelope>`, score due ms. */
  timers(p: number): string {
    return `${this.partition(p)}timers`;
  }
  /** Pushed by a delayed tell so the owner looks at its timers at once. */
  timerWake(p: number): string {
    return `${this.partition(p)}twake`;
  }
  /** Failed attempts of the head message of parked actors: akey -> "<message id> <n>". */
  attempts(p: number): string {
    return `${this.partition(p)}attempts`;
  }
  /** Paused actors (onDeadLetter: 'pause'): akey -> id of the held dead letter. */
  paused(p: number): string {
    return `${this.partition(p)}paused`;
  }
  /** Actor types with actors held in partition p because the type is paused (set). */
  heldTypes(p: number): string {
    return `${this.partition(p)}held-types`;
  }
  /** Actors with mail of a paused type, off the ready queue until it is resumed (list). */
  held(p: number, type: string): string {
    return `${this.partition(p)}held:${type}`;
  }
  /** Dead letters of the partition's actors (stream); listing merges the partitions' streams. */
  dead(p: number): string {
    return `${this.partition(p)}dead`;
  }
  /**
   * Sends and replies of the partition's turns that go to other slots, on a Redis Cluster (stream):
   * written by the commit, relayed by the owner, then deleted.
   */
  outbox(p: number): string {
    return `${this.partition(p)}outbox`;
  }
  /** The last outbox entry id applied here from each source partition (hash: source p -> id). */
  relayed(p: number): string {
    return `${this.partition(p)}relayed`;
  }
  /**
   * Directory bucket b of type `type` in partition p (hash: id -> the actor's index record): every
   * actor of the type that committed a turn and was not destroyed (docs/indexes.md).
   */
  dir(p: number, type: string, bucket: number): string {
    return `${this.partition(p)}dir:${type}:${bucket}`;
  }
  /** The directory bucket of actor `type/id` of partition p, in a pool of `partitions` partitions. */
  dirOf(p: number, type: string, id: string, partitions: number): string {
    return this.dir(p, type, dirBucketOf(`${type}/${id}`, partitions));
  }
  /** Actors in partition p's directory, per type (hash: type -> count). */
  dirCount(p: number): string {
    return `${this.partition(p)}dir-count`;
  }
  /** Index `field` of type `type` in partition p (sorted set, score 0; see protocol/index-entry.ts). */
  index(p: number, type: string, field: string): string {
    return `${this.partition(p)}ix:${type}:${field}`;
  }
  /** The state of a type's indexes (hash: `building` -> the fields a reindex is rebuilding). */
  /** An actor type's concurrency slots across the namespace (static concurrency): member -> expiry. */
  limit(type: string): string {
    return `${this.nsPrefix}limit:${type}`;
  }
  /** The actors of a type waiting for a concurrency slot, in order: akey -> when it first asked. */
  limitQueue(type: string): string {
    return `${this.nsPrefix}limit-queue:${type}`;
  }
  /** When each actor in the type's queue last asked for a slot (one that stops asking leaves it). */
  limitSeen(type: string): string {
    return `${this.nsPrefix}limit-seen:${type}`;
  }
  /** An actor type's turn starts of the last window (static rateLimit): member -> start time. */
  rate(type: string): string {
    return `${this.nsPrefix}rate:${type}`;
  }
  indexState(type: string): string {
    return `${this.nsPrefix}index:${type}`;
  }
  /** Actors whose log passed the merge threshold, for the owner's merge sweep. */
  mergeDue(p: number): string {
    return `${this.partition(p)}merge`;
  }
}

/** Namespace-wide keys of layouts 1–3, which `troupe migrate` renames. */
export interface LegacyKeys {
  workers: string;
  workerPools: string;
  workerEvents: string;
  pausedTypes: string;
  dead: string;
}

function legacyKeys(ns: string): LegacyKeys {
  const prefix = `troupe:${ns}:`;
  return {
    workers: `${prefix}workers`,
    workerPools: `${prefix}worker-pools`,
    workerEvents: `${prefix}worker-events`,
    pausedTypes: `${prefix}paused-types`,
    dead: `${prefix}dead`,
  };
}
