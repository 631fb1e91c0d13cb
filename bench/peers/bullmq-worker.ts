/**
 * Child process: a BullMQ Worker as people deploy it (autorun, a concurrency of in-flight jobs),
 * counting completions through the 'completed' event. In latency runs it records send → completed
 * per job into an HDR histogram (µs), which it hands back encoded.
 */
import { Worker, type Job } from 'bullmq';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { Redis } from 'ioredis';
import { holdUntilStopped, jobOf, nowMs, report, reportProgress } from '../lib/child.ts';
import { newHistogram } from '../lib/latency.ts';
import { childRedisOptions } from './pair.ts';

export interface BullmqWorkerJob {
  url: string;
  prefix: string;
  queue: string;
  /** Completions (plus failures) to wait for, after the warm-up's. */
  messages: number;
  /** Warm-up jobs first: `warm` is reported once they are completed, and they are not counted. */
  prewarm?: number;
  mode: 'state' | 'trivial';
  concurrency: number;
  latency: boolean;
}

export interface BullmqJobData {
  /** A number, or w<n> for a warm-up job's actor. */
  actor: number | string;
  /** Latency runs: nowMs() at send. */
  t?: number;
  /** Latency runs: a warm-up job, not recorded. */
  warm?: boolean;
}

async function main(): Promise<void> {
  const job = jobOf<BullmqWorkerJob>();
  // BullMQ duplicates this client for its blocking connection.
  const connection = new Redis(job.url, childRedisOptions);
  const state = job.mode === 'state' ? new Redis(job.url, childRedisOptions) : undefined;
  const histogram = job.latency ? newHistogram() : undefined;

  // The read-modify-write a hand-written handler does: with concurrency > 1, two jobs for one actor
  // can interleave between GET and SET and one increment is lost. That loss is what 'state' shows.
  const processor = state
    ? async (j: Job<BullmqJobData>) => {
        const key = `${job.prefix}:ctx:${j.data.actor}`;
        const raw = await state.get(key);
        const count = raw ? (JSON.parse(raw) as { count: number }).count : 0;
        await state.set(key, JSON.stringify({ count: count + 1 }));
      }
    : () => Promise.resolve();

  // below zero while the warm-up runs
  let done = -(job.prewarm ?? 0);
  let failed = 0;
  let last = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const settle = () => {
    if (done + failed === 0 && job.prewarm) report({ kind: 'warm' });
    if (done + failed === job.messages) {
      last = nowMs();
      finish();
    }
  };

  const worker = new Worker<BullmqJobData>(job.queue, processor, {
    connection,
    prefix: job.prefix,
    concurrency: job.concurrency,
    autorun: true,
  });
  worker.on('completed', (j) => {
    if (histogram && j.data.t !== undefined && !j.data.warm)
      histogram.recordValue(Math.round((nowMs() - j.data.t) * 1000));
    done++;
    settle();
  });
  worker.on('failed', (_j, err) => {
    if (failed++ === 0) console.error('bullmq worker: first failed job:', err);
    settle();
  });
  let errors = 0;
  worker.on('error', (err) => {
    if (errors++ === 0) console.error('bullmq worker:', err);
  });

  await worker.waitUntilReady();
  report({ kind: 'ready' });
  const stopProgress = reportProgress(() => Math.max(0, done));
  await finished;
  stopProgress();
  report({
    kind: 'done',
    last,
    completed: done,
    failed,
    ...(histogram ? { histogram: encodeIntoCompressedBase64(histogram) } : {}),
  });
  await worker.close();
  await state?.quit();
  await connection.quit();
  await holdUntilStopped();
}

main().catch((err: unknown) => {
  console.error('bullmq worker:', err);
  process.exit(1);
});
