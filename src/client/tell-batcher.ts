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

function newBatch(keys: Keys, p: number): Batch {
  let settle!: Batch['settle'];
  const done = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
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
 * fires many tells at once costs Redis one script run per partition instead of one per message.
 * Calls go out in order on one connection, so each actor's mail keeps its order.
 */
export class TellBatcher {
  private batches = new Map<number, Batch>();
  private scheduled = false;

  constructor(
    private readonly scripted: ScriptedRedis,
    private readonly keys: Keys,
    private readonly replicas: Replicas | undefined,
  ) {}

  /** Resolves once the envelope is in the mailbox; rejects with the Redis error if that is unknown. */
  add(p: number, akey: string, envelope: Buffer): Promise<unknown> {
    let batch = this.batches.get(p);
    if (batch && (batch.args.length >= 2 * MAX_MESSAGES || batch.bytes + envelope.length > MAX_BYTES)) {
      this.send(p, batch);
      batch = undefined;
    }
    if (!batch) {
      batch = newBatch(this.keys, p);
      this.batches.set(p, batch);
    }
    batch.keys.push(batch.mailboxPrefix + akey);
    batch.args.push(akey, envelope);
    batch.bytes += envelope.length;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
    return batch.done;
  }

  private flush(): void {
    this.scheduled = false;
    for (const [p, batch] of this.batches) this.send(p, batch);
  }

  private send(p: number, batch: Batch): void {
    this.batches.delete(p);
    // sent in the same tick as the script, so the WAIT follows it on the connection
    Promise.all([
      this.scripted.run('tell_batch', batch.keys, batch.args),
      replicated(this.replicas, batch.keys[0]!, `${batch.args.length / 2} message(s)`),
    ]).then(batch.settle.resolve, batch.settle.reject);
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
