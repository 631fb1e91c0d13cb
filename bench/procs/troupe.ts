/**
 * Troupe's side of the throughput, cold, latency and ask scenarios, as separate processes: one
 * worker process (bench/procs/troupe-worker.ts) and one sender process
 * (bench/procs/troupe-sender.ts), on a fresh namespace. Timing runs from the sender's first send to
 * the worker's last commit, both read from the same high-resolution wall clock; each process's CPU
 * and Redis's commands are read around the same window (bench/lib/cpu.ts). Every actor's context is
 * checked afterwards.
 */
import { connect, type WorkOptions } from '../../src/index.ts';
import { BenchCounter, BenchTimedCounter, type CounterCtx } from '../actors.ts';
import { percentiles, type LatencyRun } from '../lib/latency.ts';
import { spawnChild, warmUp, type Child, type ChildMessage } from '../lib/child.ts';
import { startCpuMeter, type CpuMeter, type CpuUse } from '../lib/cpu.ts';
import type { TroupeSenderJob } from './troupe-sender.ts';
import type { TroupeWorkerJob } from './troupe-worker.ts';

export interface TroupeRun {
  url: string;
  namespace: string;
  messages: number;
  actors: number;
  /** Latency: of `messages`, the first ones warm up and are not recorded. */
  warmup?: number;
  onProgress?: (done: number) => void;
  work?: WorkOptions;
  /** Closed loop: the README's sender path (default) or refs reused (troupe-sender.ts). */
  path?: 'readme' | 'reused';
  /** Keep the CPU window open until every actor is passivated (the cold scenario). */
  passivate?: boolean;
  /** Closed loop: messages sent to warm-up actors before the measured window (child.ts `warmUp`). */
  prewarm?: number;
}

export interface Throughput {
  ms: number;
  messages: number;
  rate: number;
  cpu: CpuUse;
  /** With `passivate`: ms from the last commit until every actor was passivated. */
  passivatedAfterMs?: number;
  /** With `passivate`: the worker's counters then (activations, merges, …). */
  workerStats?: Record<string, unknown>;
}

/** The README's window; the reused-refs path keeps the sliding window it always had. */
const WINDOW = { readme: 1_000, reused: 2_000 };

/** Fails when any actor's context is not exactly the messages sent to it. */
async function checkContexts(o: TroupeRun, type: 'bench-counter' | 'bench-timed'): Promise<void> {
  const troupe = await connect({
    redis: o.url,
    namespace: o.namespace,
    actors: [BenchCounter, BenchTimedCounter],
  });
  try {
    const wrong: string[] = [];
    const per = Math.floor(o.messages / o.actors);
    const extra = o.messages % o.actors;
    for (let from = 0; from < o.actors; from += 2_000) {
      const ids = Array.from({ length: Math.min(2_000, o.actors - from) }, (_, k) => from + k);
      const ctxs = await Promise.all(ids.map((i) => troupe.ref<typeof BenchCounter>(type, `a${i}`).read()));
      ctxs.forEach((ctx: CounterCtx, k) => {
        const i = ids[k]!;
        const want = per + (i < extra ? 1 : 0);
        if (ctx.count !== want && wrong.length < 5) wrong.push(`a${i}: count ${ctx.count}, sent ${want}`);
      });
    }
    if (wrong.length > 0) throw new Error(`troupe: contexts are not exact: ${wrong.join('; ')}`);
  } finally {
    await troupe.close();
  }
}

/** Asks the sender makes beside `messages` tells (as troupe-sender.ts counts them). */
function askCount(o: TroupeRun, rate: number | undefined, askRate: number | undefined): number {
  if (askRate === undefined) return 0;
  return Math.max(1, Math.floor((askRate * o.messages) / (rate ?? 1)));
}

async function run(
  o: TroupeRun,
  rate: number | undefined,
  askRate?: number,
): Promise<{
  first: number;
  sent: ChildMessage;
  done: ChildMessage;
  passivated?: ChildMessage;
  cpu: CpuUse;
}> {
  const children: Child[] = [];
  let meter: CpuMeter | undefined;
  try {
    const expect = o.messages + askCount(o, rate, askRate);
    const prewarm = rate === undefined ? (o.prewarm ?? 0) : 0;
    const workerJob: TroupeWorkerJob = {
      url: o.url,
      namespace: o.namespace,
      expect,
      latency: rate !== undefined,
      ...(o.passivate ? { passivate: true } : {}),
      ...(o.work ? { work: o.work } : {}),
      ...(prewarm > 0 ? { prewarm } : {}),
    };
    const worker = spawnChild(new URL('./troupe-worker.ts', import.meta.url), workerJob);
    children.push(worker);
    worker.onMessage((m) => {
      if (m.kind === 'progress') o.onProgress?.(m.done as number);
    });
    await worker.next('ready', 60_000);
    const senderJob: TroupeSenderJob = {
      url: o.url,
      namespace: o.namespace,
      messages: o.messages,
      actors: o.actors,
      path: o.path ?? 'readme',
      window: WINDOW[o.path ?? 'readme'],
      ...(rate !== undefined ? { rate, warmup: o.warmup ?? 0 } : {}),
      ...(askRate !== undefined ? { askRate } : {}),
      ...(prewarm > 0 ? { prewarm } : {}),
    };
    const sender = spawnChild(new URL('./troupe-sender.ts', import.meta.url), senderJob);
    children.push(sender);
    await sender.next('ready', 60_000);
    await warmUp(sender, worker, prewarm);
    meter = await startCpuMeter(o.url, [
      { role: 'sender', pid: sender.proc.pid },
      { role: 'worker', pid: worker.proc.pid },
    ]);
    sender.send({ kind: 'go' });
    const started = await sender.next('started');
    const sent = await sender.next('sent');
    const done = await worker.next('done');
    const passivated = o.passivate ? await worker.next('passivated') : undefined;
    // both children stay up until stopped, so both are read at the window's end
    const cpu = await meter.stop(expect);
    o.onProgress?.(o.messages);
    return { first: started.first as number, sent, done, cpu, ...(passivated ? { passivated } : {}) };
  } finally {
    meter?.cancel();
    await Promise.all(children.map((c) => c.stop()));
  }
}

/** N tells, as fast as one sender sends them (closed loop), each appending one segment. */
export async function troupeThroughput(o: TroupeRun): Promise<Throughput> {
  const { first, done, passivated, cpu } = await run(o, undefined);
  const ms = (done.last as number) - first;
  await checkContexts(o, 'bench-counter');
  return {
    ms,
    messages: o.messages,
    rate: (o.messages * 1000) / ms,
    cpu,
    ...(passivated
      ? {
          passivatedAfterMs: (passivated.at as number) - (done.last as number),
          workerStats: passivated.stats as Record<string, unknown>,
        }
      : {}),
  };
}

export interface AskRoundTrip {
  asks: number;
  p50: number;
  p99: number;
  max: number;
  cpu: CpuUse;
}

/** Asks at `askRate` per second to one actor while `rate` tells per second go to the others. */
export async function troupeAsk(o: TroupeRun & { rate: number; askRate: number }): Promise<AskRoundTrip> {
  const { sent, cpu } = await run(o, o.rate, o.askRate);
  await checkContexts(o, 'bench-timed');
  const asks = sent.asks as { count: number; histogram: string };
  const { p50, p99, max } = percentiles(asks.histogram);
  return { asks: asks.count, p50, p99, max, cpu };
}

/** N tells offered at `rate` per second; send → committed per message. */
export async function troupeLatency(o: TroupeRun & { rate: number }): Promise<LatencyRun> {
  const { first, sent, done, cpu } = await run(o, o.rate);
  await checkContexts(o, 'bench-timed');
  const { p50, p99, p999, max } = percentiles(done.histogram as string);
  return {
    sent: o.messages,
    achievedRate: (o.messages * 1000) / ((sent.last as number) - first),
    p50,
    p99,
    p999,
    max,
    histogram: done.histogram as string,
    cpu,
  };
}
