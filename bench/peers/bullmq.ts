/**
 * BullMQ as a peer: the queue most Node teams would reach for instead of an actor runtime.
 *
 * - 'state' throughput runs the read-modify-write people hand-write around a job queue (GET the
 *   actor's JSON, count+1, SET). It is not single-writer, so with concurrency > 1 updates to one actor
 *   can interleave and get lost; the run counts them instead of failing, since that loss is the point.
 * - 'trivial' throughput is a processor that returns at once: the floor of the queue itself.
 * - Latency offers jobs at a fixed rate, open-loop, and measures send → 'completed' per job.
 *
 * Producer and worker are child processes (bullmq-producer.ts, bullmq-worker.ts); see pair.ts.
 */
import { Redis } from 'ioredis';
import { fmt, runPair, sentTo, type PairResult } from './pair.ts';
import type { BullmqProducerJob } from './bullmq-producer.ts';
import type { BullmqWorkerJob } from './bullmq-worker.ts';
import type { CpuUse } from '../lib/cpu.ts';
import { percentiles, type LatencyRun } from '../lib/latency.ts';

export interface PeerThroughput {
  ms: number;
  messages: number;
  /** per second */
  rate: number;
  lostUpdates?: number;
  detail?: Record<string, unknown>;
  /** What the producer, the worker and Redis spent over the run. */
  cpu: CpuUse;
}

const QUEUE = 'bench';
const producerModule = new URL('./bullmq-producer.ts', import.meta.url);
const workerModule = new URL('./bullmq-worker.ts', import.meta.url);

function checkJobs(name: string, done: PairResult['done'], messages: number): void {
  const failed = done.failed as number;
  if (failed > 0) throw new Error(`${name}: ${fmt(failed)} of ${fmt(messages)} jobs failed`);
}

/** Sum over actors of (sent − final count): the increments the GET/SET handler lost. */
async function lostUpdates(url: string, prefix: string, messages: number, actors: number) {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    let lost = 0;
    let extra = 0;
    for (let from = 0; from < actors; from += 10_000) {
      const ids = Array.from({ length: Math.min(10_000, actors - from) }, (_, k) => from + k);
      const raws = await redis.mget(ids.map((a) => `${prefix}:ctx:${a}`));
      raws.forEach((raw, k) => {
        const count = raw ? (JSON.parse(raw) as { count: number }).count : 0;
        const diff = sentTo(ids[k]!, messages, actors) - count;
        if (diff > 0) lost += diff;
        else extra -= diff;
      });
    }
    return { lost, extra };
  } finally {
    redis.disconnect();
  }
}

/** N jobs to `actors` keys; mode 'state': processor does GET ctx:<actor> (JSON {count}), count+1, SET — the read-modify-write people hand-write; mode 'trivial': processor returns at once (the floor of a queue). */
export async function bullmqThroughput(o: {
  url: string;
  prefix: string;
  messages: number;
  actors: number;
  mode: 'state' | 'trivial';
  concurrency?: number;
  prewarm?: number;
  onProgress?: (done: number) => void;
}): Promise<PeerThroughput> {
  const name = `bullmq ${o.mode}`;
  const concurrency = o.concurrency ?? 100;
  const workerJob: BullmqWorkerJob = {
    ...base(o),
    messages: o.messages,
    mode: o.mode,
    concurrency,
    latency: false,
    ...(o.prewarm ? { prewarm: o.prewarm } : {}),
  };
  const producerJob: BullmqProducerJob = {
    ...base(o),
    messages: o.messages,
    actors: o.actors,
    ...(o.prewarm ? { prewarm: o.prewarm } : {}),
  };
  // 2,000 jobs/s past the first two minutes
  const { sent, done, cpu } = await runJobs(
    name,
    workerJob,
    producerJob,
    120_000 + (o.messages + (o.prewarm ?? 0)) / 2,
    o.onProgress,
  );
  const ms = done.last - sent.first;
  const result: PeerThroughput = {
    ms,
    messages: o.messages,
    rate: (o.messages * 1000) / ms,
    detail: { concurrency, producerMs: sent.last - sent.first },
    cpu,
  };
  if (o.mode === 'state') {
    const { lost, extra } = await lostUpdates(o.url, o.prefix, o.messages, o.actors);
    result.lostUpdates = lost;
    // More increments than jobs would mean a job ran twice (a stalled job retried): worth seeing.
    if (extra > 0) result.detail!.extraUpdates = extra;
  } else {
    result.lostUpdates = 0;
  }
  return result;
}

/** Offered rate (jobs/s) for `messages` jobs, send → completed latency. */
export async function bullmqLatency(o: {
  url: string;
  prefix: string;
  rate: number;
  messages: number;
  /** Of `messages`, the first ones warm up and are not recorded. */
  warmup?: number;
  concurrency?: number;
  onProgress?: (done: number) => void;
}): Promise<LatencyRun> {
  const name = 'bullmq latency';
  const concurrency = o.concurrency ?? 100;
  const workerJob: BullmqWorkerJob = {
    ...base(o),
    messages: o.messages,
    mode: 'trivial',
    concurrency,
    latency: true,
  };
  const warmup = o.warmup ?? 0;
  const producerJob: BullmqProducerJob = {
    ...base(o),
    messages: o.messages,
    actors: 1,
    rate: o.rate,
    warmup,
  };
  const limitMs = 120_000 + (o.messages / o.rate) * 1000;
  const { sent, done, cpu } = await runJobs(name, workerJob, producerJob, limitMs, o.onProgress);
  const encoded = done.histogram as string;
  const { count, ...ms } = percentiles(encoded);
  if (count !== o.messages - warmup) {
    throw new Error(`${name}: the histogram holds ${fmt(count)} of ${fmt(o.messages - warmup)} jobs`);
  }
  const spanMs = sent.last - sent.first;
  return {
    sent: o.messages,
    achievedRate: spanMs > 0 ? (o.messages * 1000) / spanMs : o.rate,
    ...ms,
    histogram: encoded,
    cpu,
  };
}

/** Runs a BullMQ worker and producer pair over `workerJob.messages` jobs; checks every job completed. */
async function runJobs(
  name: string,
  workerJob: BullmqWorkerJob,
  producerJob: BullmqProducerJob,
  limitMs: number,
  onProgress: ((done: number) => void) | undefined,
) {
  const res = await runPair({
    name,
    url: workerJob.url,
    worker: { module: workerModule, job: workerJob },
    producer: { module: producerModule, job: producerJob },
    total: workerJob.messages,
    unit: 'jobs',
    limitMs,
    ...(workerJob.prewarm ? { prewarm: workerJob.prewarm } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  checkJobs(name, res.done, workerJob.messages);
  return res;
}

function base(o: { url: string; prefix: string }) {
  return { url: o.url, prefix: o.prefix, queue: QUEUE };
}
