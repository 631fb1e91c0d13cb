/**
 * Child process: the sending side of the BullMQ peer. Throughput runs use Queue.addBulk in chunks,
 * BullMQ's fastest way in (one MULTI per chunk). Latency runs are open-loop: each job is added with
 * Queue.add on a fixed timetable (t0 + i/rate) without waiting for earlier adds or completions, so
 * queueing in the system shows up as latency instead of slowing the offered rate.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { holdUntilStopped, jobOf, nowMs, readyThenGo, report } from '../lib/child.ts';
import { childRedisOptions } from './pair.ts';
import type { BullmqJobData } from './bullmq-worker.ts';

export interface BullmqProducerJob {
  url: string;
  prefix: string;
  queue: string;
  messages: number;
  actors: number;
  /** Latency run: jobs per second offered; absent: as fast as addBulk goes. */
  rate?: number;
  /** Latency run: the first jobs warm both processes up and are not recorded. */
  warmup?: number;
  /** Throughput run: jobs added first, to actors of their own (w0, w1, …), outside the window. */
  prewarm?: number;
  chunk?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function bulk(
  queue: Queue<BullmqJobData>,
  job: BullmqProducerJob,
  prefix = '',
  messages = job.messages,
): Promise<{ first: number; last: number }> {
  const chunk = job.chunk ?? 1_000;
  const first = nowMs();
  for (let from = 0; from < messages; from += chunk) {
    const jobs = Array.from({ length: Math.min(chunk, messages - from) }, (_, k) => ({
      name: 'm',
      data: { actor: prefix ? `${prefix}${(from + k) % job.actors}` : (from + k) % job.actors },
    }));
    await queue.addBulk(jobs);
  }
  return { first, last: nowMs() };
}

async function timetable(queue: Queue<BullmqJobData>, job: BullmqProducerJob, rate: number) {
  const interval = 1000 / rate;
  let pending = 0;
  let failure: Error | undefined;
  let drained: () => void = () => undefined;
  const settled = () => {
    if (--pending === 0) drained();
  };
  let first = 0;
  let last = 0;
  const t0 = nowMs();
  for (let i = 0; i < job.messages;) {
    const due = Math.min(job.messages, Math.floor((nowMs() - t0) / interval) + 1);
    for (; i < due; i++) {
      const t = nowMs();
      if (i === 0) first = t;
      last = t;
      pending++;
      queue
        .add('m', { actor: i % job.actors, t, ...(i < (job.warmup ?? 0) ? { warm: true } : {}) })
        .then(settled, (err: unknown) => {
          failure ??= err instanceof Error ? err : new Error(String(err));
          settled();
        });
    }
    if (i < job.messages) await sleep(t0 + i * interval - nowMs());
  }
  if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
  if (failure !== undefined) throw failure;
  return { first, last };
}

async function main(): Promise<void> {
  const job = jobOf<BullmqProducerJob>();
  const connection = new Redis(job.url, childRedisOptions);
  const queue = new Queue<BullmqJobData>(job.queue, {
    connection,
    prefix: job.prefix,
    // Completed jobs are removed so a million-job run measures the queue, not Redis filling up with
    // finished job hashes (what a production deployment does too). Failed jobs are kept: a failure
    // must stay visible, and the worker counts failures and the run fails on any.
    defaultJobOptions: { removeOnComplete: true, removeOnFail: false },
  });
  try {
    await queue.waitUntilReady();
    const prewarm = job.prewarm ?? 0;
    await readyThenGo(prewarm > 0 ? () => bulk(queue, job, 'w', prewarm) : undefined);
    const sent = job.rate === undefined ? await bulk(queue, job) : await timetable(queue, job, job.rate);
    report({ kind: 'sent', ...sent });
  } finally {
    await queue.close();
    await connection.quit();
  }
  await holdUntilStopped();
}

main().catch((err: unknown) => {
  console.error('bullmq producer:', err);
  process.exit(1);
});
