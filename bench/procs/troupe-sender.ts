/**
 * A sender process for the throughput, cold, latency and ask scenarios: tells to `actors` actors,
 * message i to actor i % actors, after the runner says go.
 *
 * Closed loop, two ways:
 * - 'readme' (the default): what the README shows a user — `connect({ actors: [Counter] })`, a
 *   ref per message, `troupe.ref(Counter, id).tell('add', 1)`, tells awaited in windows of 1,000;
 * - 'reused': refs built once, up front, by type name, with `window` tells in flight (a sliding
 *   window): the cheapest way the public API offers, to show what the sender path costs.
 *
 * A closed loop may warm up first (`prewarm`): the same loop to actors of their own, on the runner's
 * word, before the measured window opens.
 *
 * Open loop (`rate`): sends on a fixed timetable whatever the worker does, so queueing shows in
 * the latency. Tells are pipelined on one connection either way, so each actor's messages keep
 * their order.
 */
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { connect } from '../../src/index.ts';
import { BenchCounter } from '../actors.ts';
import { holdUntilStopped, jobOf, nowMs, readyThenGo, report } from '../lib/child.ts';
import { newHistogram } from '../lib/latency.ts';

export interface TroupeSenderJob {
  url: string;
  namespace: string;
  messages: number;
  actors: number;
  /** Closed loop: the README's path (default) or refs reused with a sliding window. */
  path?: 'readme' | 'reused';
  /** Tells in flight at once: the README path's window, or the sliding window of 'reused'. */
  window: number;
  /** Messages per second (open loop); each carries its send time for the latency histogram. */
  rate?: number;
  /** Open loop: the first messages warm both processes up and carry t = 0, which is not recorded. */
  warmup?: number;
  /** Open loop: asks to one more actor, at this many per second beside the tells, timed round trip. */
  askRate?: number;
  /**
   * Closed loop: tells sent the same way to actors of their own (w0, w1, …, as many as `actors`)
   * when the runner says warm, before the measured ones (child.ts `warmUp`).
   */
  prewarm?: number;
}

/** Asks in the first this many ms warm the processes up and are not recorded. */
const WARMUP_MS = 1_000;

const job = jobOf<TroupeSenderJob>();
const readme = job.rate === undefined && (job.path ?? 'readme') === 'readme';
// the README's client names its actor classes; the other paths send by type name, as a service
// that does not import the classes would
const troupe = await connect({
  redis: job.url,
  namespace: job.namespace,
  ...(readme ? { actors: [BenchCounter] } : {}),
});
const type = job.rate === undefined ? 'bench-counter' : 'bench-timed';
const refsOf = (prefix: string) =>
  readme
    ? []
    : Array.from({ length: job.actors }, (_, i) => troupe.ref<typeof BenchCounter>(type, `${prefix}${i}`));
const refs = refsOf('a');
const timed = refs as unknown as { tell(m: 'addStamped', n: number, t: number): Promise<void> }[];

const closedLoopOf = (prefix: string, messages: number) =>
  readme ? readmeLoop(prefix, messages) : closedLoop(prefix === 'a' ? refs : refsOf(prefix), messages);
const prewarm = job.prewarm ?? 0;
await readyThenGo(prewarm > 0 ? () => closedLoopOf('w', prewarm) : undefined);

const first = nowMs();
report({ kind: 'started', first });
const asks =
  job.askRate === undefined ? undefined : askLoop(job.askRate, (job.messages / (job.rate ?? 1)) * 1000);
if (job.rate !== undefined) await openLoop(job.rate);
else await closedLoopOf('a', job.messages);
const last = nowMs();
const askHistogram = await asks;
report({ kind: 'sent', last, messages: job.messages, ...(askHistogram ? { asks: askHistogram } : {}) });
await troupe.close();
await holdUntilStopped();

/** The README's path, as a user writes it: a ref per message, a window of tells awaited at once. */
async function readmeLoop(prefix: string, messages: number): Promise<void> {
  for (let from = 0; from < messages; from += job.window) {
    const window: Promise<void>[] = [];
    for (let i = from; i < Math.min(from + job.window, messages); i++) {
      window.push(troupe.ref(BenchCounter, `${prefix}${i % job.actors}`).tell('add', 1));
    }
    await Promise.all(window);
  }
}

async function closedLoop(refs: ReturnType<typeof refsOf>, messages: number): Promise<void> {
  let inflight = 0;
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  for (let i = 0; i < messages; i++) {
    while (inflight >= job.window) await new Promise<void>((r) => (wake = r));
    if (failed) throw failed;
    inflight++;
    refs[i % job.actors]!.tell('add', 1).then(
      () => {
        inflight--;
        wake?.();
      },
      (err: unknown) => {
        failed = err instanceof Error ? err : new Error(String(err));
        inflight--;
        wake?.();
      },
    );
  }
  while (inflight > 0) await new Promise<void>((r) => (wake = r));
  if (failed) throw failed;
}

async function openLoop(rate: number): Promise<void> {
  const pending: Promise<void>[] = [];
  const start = nowMs();
  for (let i = 0; i < job.messages; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t = i < (job.warmup ?? 0) ? 0 : nowMs();
    pending.push(timed[i % job.actors]!.tell('addStamped', 1, t));
    if (pending.length >= 10_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

/** Asks `value` of a separate actor on a timetable for `ms`; round trips in µs, those of the warm-up not counted. */
async function askLoop(rate: number, ms: number): Promise<{ count: number; histogram: string }> {
  const histogram = newHistogram();
  const target = troupe.ref<typeof BenchCounter>('bench-counter', 'asked');
  const count = Math.max(1, Math.floor((rate * ms) / 1000));
  // the first second's asks meet code not yet compiled by the JIT and a heap still growing
  const warm = Math.floor(rate * (WARMUP_MS / 1000));
  const pending: Promise<void>[] = [];
  const start = nowMs();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t = nowMs();
    pending.push(
      target.ask('value').then(() => {
        if (i >= warm) histogram.recordValue(Math.max(1, Math.round((nowMs() - t) * 1000)));
      }),
    );
  }
  await Promise.all(pending);
  return { count, histogram: encodeIntoCompressedBase64(histogram) };
}
