/**
 * The steady load: sender loops, each its own client, sending `record(sender, seq)` to random
 * actors at a paced rate with a small window of tells in flight. Every tell is booked: confirmed
 * (tell resolved: the message is in Redis) or unconfirmed (tell rejected: it may or may not be).
 */
import { connect, type Troupe } from '../src/index.ts';
import { forwardTarget, LEDGERS, ledgerOf } from './actors.ts';
import { sleep, type Rng } from './faults.ts';

export const CONFIRMED = 1;
export const UNCONFIRMED = 2;

/** What every sender sent to every actor, seq by seq. */
export class SendBook {
  /** status[sender][actor][seq]: CONFIRMED, UNCONFIRMED, or undefined (not sent / not settled). */
  readonly status: Map<string, number[][]> = new Map();
  /** next[sender][actor]: the last seq handed out. */
  private readonly last: Map<string, number[]> = new Map();
  confirmed = 0;
  unconfirmed = 0;
  /** Tells that neither resolved nor rejected within HUNG_MS (booked as unconfirmed). */
  hung = 0;
  readonly hungExamples: string[] = [];

  constructor(
    readonly senders: readonly string[],
    readonly actors: number,
    /** when the load started, for the times in examples */
    readonly t0 = Date.now(),
  ) {
    for (const s of senders) {
      this.status.set(
        s,
        Array.from({ length: actors }, () => []),
      );
      this.last.set(s, new Array<number>(actors).fill(0));
    }
  }

  nextSeq(sender: string, actor: number): number {
    const last = this.last.get(sender)!;
    return ++last[actor]!;
  }

  settle(sender: string, actor: number, seq: number, ok: boolean): void {
    this.status.get(sender)![actor]![seq] = ok ? CONFIRMED : UNCONFIRMED;
    if (ok) this.confirmed++;
    else this.unconfirmed++;
  }

  /** For each sender and actor, the seq the next send will get: a message "sent after now". */
  snapshotNext(): Map<string, number[]> {
    return new Map([...this.last].map(([s, seqs]) => [s, seqs.map((q) => q + 1)]));
  }

  /** The largest confirmed seq of sender to actor (0 if none). */
  lastConfirmed(sender: string, actor: number): number {
    const st = this.status.get(sender)![actor]!;
    for (let q = st.length - 1; q > 0; q--) if (st[q] === CONFIRMED) return q;
    return 0;
  }
}

/** A tell that has not settled after this long is booked as hung (and unconfirmed). */
export const HUNG_MS = 20_000;

export class HungError extends Error {
  constructor(what: string) {
    super(`${what}: neither resolved nor rejected within ${HUNG_MS / 1000} s`);
    this.name = 'HungError';
  }
}

/** `p`, or a HungError when it has not settled within HUNG_MS. */
export function settleWithin<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HungError(what)), HUNG_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function actorId(i: number): string {
  return `a${i}`;
}

export interface SenderOptions {
  url: string;
  namespace: string;
  name: string;
  book: SendBook;
  rng: Rng;
  /** Messages per second this sender aims at. */
  rate: number;
  window: number;
  stopped: () => boolean;
  /** Called on every rejected tell (e.g. Redis is down). */
  onReject?: (err: Error) => void;
}

export async function connectClient(url: string, namespace: string, partitions?: number): Promise<Troupe> {
  return connect({
    redis: url,
    namespace,
    actors: LEDGERS,
    // a --cluster run sets it for every client and worker process: failovers lose nothing confirmed
    waitReplicas: Number(process.env.TROUPE_WAIT_REPLICAS ?? 0),
    ...(partitions ? { partitions } : {}),
  });
}

/** Sends paced `record` tells until `stopped()`; resolves when every tell it made has settled. */
export async function runSender(o: SenderOptions): Promise<void> {
  const client = await connectClient(o.url, o.namespace);
  const refs = Array.from({ length: o.book.actors }, (_, i) => client.ref(ledgerOf(i), actorId(i)));
  const inflight = new Set<Promise<void>>();
  const interval = 1000 / o.rate;
  let due = Date.now();
  let backoffUntil = 0;
  try {
    while (!o.stopped()) {
      const now = Date.now();
      if (now < backoffUntil) {
        await sleep(backoffUntil - now);
        due = Date.now();
        continue;
      }
      if (due > now) await sleep(due - now);
      due += interval;
      const a = o.rng.int(o.book.actors);
      const q = o.book.nextSeq(o.name, a);
      const sentAt = Date.now();
      const what = `tell record(${o.name}, ${q}) to ${actorId(a)}`;
      const forward = forwardTarget(a, o.book.actors);
      const p: Promise<void> = settleWithin(refs[a]!.tell('record', o.name, q, forward), what).then(
        () => {
          o.book.settle(o.name, a, q, true);
          inflight.delete(p);
        },
        (err: unknown) => {
          o.book.settle(o.name, a, q, false);
          if (err instanceof HungError) {
            o.book.hung++;
            if (o.book.hungExamples.length < 5)
              o.book.hungExamples.push(`${what}, sent at +${((sentAt - o.book.t0) / 1000).toFixed(2)} s`);
          }
          o.onReject?.(err as Error);
          backoffUntil = Date.now() + 100; // Redis is likely down: do not spin
          inflight.delete(p);
        },
      );
      inflight.add(p);
      if (inflight.size >= o.window) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    await client.close();
  }
}

/**
 * After the load: one more confirmed `record` from `sender` to every actor (retried with a fresh
 * seq until a tell is confirmed), so every fault has a message sent after it to recover on, and the
 * drain has a last message to wait for. Gives up after `timeoutMs`.
 */
export async function sendFinalMarkers(
  url: string,
  namespace: string,
  sender: string,
  book: SendBook,
  timeoutMs: number,
): Promise<void> {
  const client = await connectClient(url, namespace);
  const deadline = Date.now() + timeoutMs;
  try {
    await Promise.all(
      Array.from({ length: book.actors }, async (_, a) => {
        for (;;) {
          const q = book.nextSeq(sender, a);
          try {
            const forward = forwardTarget(a, book.actors);
            await settleWithin(
              client.ref(ledgerOf(a), actorId(a)).tell('record', sender, q, forward),
              'final tell',
            );
            book.settle(sender, a, q, true);
            return;
          } catch (err) {
            book.settle(sender, a, q, false);
            if (Date.now() > deadline) throw err;
            await sleep(200);
          }
        }
      }),
    );
  } finally {
    await client.close();
  }
}
