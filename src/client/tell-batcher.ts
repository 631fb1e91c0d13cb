import { SendError } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';
import type { Replicas } from '../redis/replicas.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';

/** One script call carries at most this many messages or bytes, so no call holds Redis for long. */
const MAX_MESSAGES = 512;
const MAX_BYTES = 1024 * 1024;

interface Batch {
  /** ready, wake, then the mailbox of each message. */
  keys: string[];
  /** The partition's mailbox key prefix: a mailbox key is this plus the actor key. */
  mailboxPrefix: string;
  /** (actor key, envelope) of each message. */
  args: (string | Buffer)[];
  bytes: number;
  /** Every tell of a batch shares its outcome. */
  done: Promise<unknown>;
  settle: { resolve: (value: unknown) => void; reject: (err: unknown) => void };
}

/** A send of its own (a `tellOnce`) that keeps its place among the tells to its partition. */
interface Call {
  run: () => Promise<unknown>;
  done: Promise<unknown>;
  settle: Batch['settle'];
}

type Job = Batch | Call;

function settled(): { done: Promise<unknown>; settle: Batch['settle'] } {
  let settle!: Batch['settle'];
  const done = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
  return { done, settle };
}

function newBatch(keys: Keys, p: number): Batch {
  const { done, settle } = settled();
  return {
    keys: [keys.ready(p), keys.wake(p)],
    mailboxPrefix: keys.mailboxPrefix(p),
    args: [],
    bytes: 0,
    done,
    settle,
  };
}

/**
 * Coalesces the tells issued in one tick into one `tell_batch` call per partition: a sender that
 * fires many tells at once costs Redis one script run per partition instead of one per message. On
 * a single Redis the partitions of one tick go together in `tell_many` calls: at moderate rates the
 * tells of a tick mostly go to different partitions, and a script call each cost more than the
 * messages (measured at 20k msgs/s to 1k actors: ~1 call per message).
 *
 * Calls go out in order on one connection, so on a single Redis each actor's mail keeps its order.
 * A Redis Cluster client re-sends a call that was redirected (a slot moved: MOVED, ASK, TRYAGAIN)
 * after calls made later may have gone straight to the slot's new node, so there (`ordered`) a
 * partition has at most one call in flight: the tells made meanwhile wait, coalesced, and go once it
 * has settled.
 */
export class TellBatcher {
  /** Per partition, what is not sent yet, in order: the last batch takes new tells until full. */
  private readonly waiting = new Map<number, Job[]>();
  private readonly inflight = new Set<number>();
  private scheduled = false;

  constructor(
    private readonly scripted: ScriptedRedis,
    private readonly keys: Keys,
    private readonly replicas: Replicas | undefined,
    private readonly ordered: boolean,
  ) {}

  /** Resolves once the envelope is in the mailbox; rejects with the Redis error if that is unknown. */
  add(p: number, akey: string, envelope: Buffer): Promise<unknown> {
    let queue = this.waiting.get(p);
    if (!queue) this.waiting.set(p, (queue = []));
    const last = queue[queue.length - 1];
    let batch = last && !('run' in last) ? last : undefined;
    if (!batch || batch.args.length >= 2 * MAX_MESSAGES || batch.bytes + envelope.length > MAX_BYTES) {
      batch = newBatch(this.keys, p);
      queue.push(batch);
    }
    batch.keys.push(batch.mailboxPrefix + akey);
    batch.args.push(akey, envelope);
    batch.bytes += envelope.length;
    this.schedule();
    return batch.done;
  }

  /**
   * Runs `run` (a send of its own, e.g. `tell_once`) after the tells to partition p made before it
   * and before those made after it. Resolves or rejects as `run` does.
   */
  call(p: number, run: () => Promise<unknown>): Promise<unknown> {
    let queue = this.waiting.get(p);
    if (!queue) this.waiting.set(p, (queue = []));
    const job: Call = { run, ...settled() };
    queue.push(job);
    this.schedule();
    return job.done;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.ordered) {
      for (const p of [...this.waiting.keys()]) this.sendFrom(p);
      return;
    }
    // a single Redis: the partitions with one batch each go together in tell_many calls; the others
    // keep their jobs in order, each a call of its own (per partition the connection keeps order)
    const queues = [...this.waiting.values()];
    this.waiting.clear();
    let group: Batch[] = [];
    let messages = 0;
    let bytes = 0;
    for (const queue of queues) {
      const only = queue.length === 1 ? queue[0]! : undefined;
      if (!only || 'run' in only) {
        for (const job of queue) void this.send(job);
        continue;
      }
      const n = only.args.length / 2;
      if (group.length > 0 && (messages + n > MAX_MESSAGES || bytes + only.bytes > MAX_BYTES)) {
        void this.sendGroup(group);
        group = [];
        messages = bytes = 0;
      }
      group.push(only);
      messages += n;
      bytes += only.bytes;
    }
    if (group.length > 0) void this.sendGroup(group);
  }

  /** Sends p's waiting batches: all of them, or (ordered) the first, if none is in flight. */
  private sendFrom(p: number): void {
    const queue = this.waiting.get(p);
    if (!queue) return;
    if (!this.ordered) {
      this.waiting.delete(p);
      for (const job of queue) void this.send(job);
      return;
    }
    if (this.inflight.has(p)) return;
    const job = queue.shift()!;
    if (queue.length === 0) this.waiting.delete(p);
    this.inflight.add(p);
    void this.send(job).finally(() => {
      this.inflight.delete(p);
      this.sendFrom(p);
    });
  }

  private async send(job: Job): Promise<void> {
    if ('run' in job) {
      const [outcome] = await Promise.allSettled([job.run()]);
      if (outcome.status === 'rejected') job.settle.reject(outcome.reason);
      else job.settle.resolve(outcome.value);
      return;
    }
    await this.settleBatches([job], this.scripted.run('tell_batch', job.keys, job.args));
  }

  /** One partition's batch as tell_batch, the batches of several together in one tell_many call. */
  private async sendGroup(group: Batch[]): Promise<void> {
    if (group.length === 1) return this.send(group[0]!);
    const keys: string[] = [];
    const args: (string | number | Buffer)[] = [];
    for (const b of group) {
      for (const k of b.keys) keys.push(k);
      args.push(b.args.length / 2);
      for (const a of b.args) args.push(a);
    }
    await this.settleBatches(group, this.scripted.run('tell_many', keys, args));
  }

  /** Settles the batches once both the script and the WAIT for replicas have, whichever fails first. */
  private async settleBatches(batches: Batch[], script: Promise<unknown>): Promise<void> {
    let messages = 0;
    for (const b of batches) messages += b.args.length / 2;
    // called in the same tick as the script, so the WAIT follows it on the connection
    const [run, wait] = await Promise.allSettled([
      script,
      replicated(this.replicas, batches[0]!.keys[0]!, `${messages} message(s)`),
    ]);
    for (const batch of batches) {
      if (run.status === 'rejected') batch.settle.reject(run.reason);
      else if (wait.status === 'rejected') batch.settle.reject(wait.reason);
      else batch.settle.resolve(batch.args.length / 2);
    }
  }
}

/**
 * Resolves once `replicas` (when set) acknowledged the writes made so far on the server holding
 * `key`; rejects with a SendError naming what was sent otherwise.
 */
export async function replicated(replicas: Replicas | undefined, key: string, what: string): Promise<void> {
  if (!replicas) return;
  const acked = await replicas.wait(key);
  if (acked >= replicas.count) return;
  throw new SendError(
    `${what} stored on the primary, but only ${acked} of ${replicas.count} replica(s) acknowledged it within ` +
      `${replicas.timeoutMs} ms (waitReplicas): a failover now could lose it. Check the replicas (INFO replication); ` +
      'sending again may deliver it twice (handlers should tolerate a repeat, or use tellOnce).',
  );
}
