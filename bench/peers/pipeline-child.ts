/**
 * Child process for the plain-pipeline ceiling, in one of two roles (job.role):
 *
 * - producer: one RPUSH per message onto the queue list, 1,000 to a pipeline;
 * - consumer: LPOP <queue> 1000, then one pipeline that RPUSHes each message onto ctx:<actor> and
 *   already asks for the next batch, so a batch costs one round trip. When the list is empty it
 *   waits in BLPOP rather than polling.
 *
 * No acknowledgement, no ownership, no retries: only the Redis commands a message needs.
 */
import { Redis } from 'ioredis';
import { holdUntilStopped, jobOf, nowMs, readyThenGo, report, reportProgress } from '../lib/child.ts';
import { childRedisOptions } from './pair.ts';

export interface PipelineChildJob {
  role: 'producer' | 'consumer';
  url: string;
  prefix: string;
  messages: number;
  actors: number;
  /** Warm-up messages first, to actors of their own (w0, w1, …), outside the window. */
  prewarm?: number;
}

const BATCH = 1_000;

/** Throws the first error in a pipeline's results (ioredis reports them per command). */
function results(res: [Error | null, unknown][] | null): unknown[] {
  if (!res) throw new Error('pipeline was discarded');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

async function produce(
  redis: Redis,
  job: PipelineChildJob,
  queue: string,
  prefix = '',
  messages = job.messages,
) {
  const first = nowMs();
  for (let from = 0; from < messages; from += BATCH) {
    const p = redis.pipeline();
    for (let i = from; i < Math.min(from + BATCH, messages); i++)
      p.rpush(queue, `${prefix}${i % job.actors}:${i}`);
    results(await p.exec());
  }
  return { first, last: nowMs() };
}

async function consume(redis: Redis, job: PipelineChildJob, queue: string) {
  const prewarm = job.prewarm ?? 0;
  const total = prewarm + job.messages;
  let done = 0;
  const stopProgress = reportProgress(() => Math.max(0, done - prewarm));
  try {
    let batch = await redis.lpop(queue, BATCH);
    while (done < total) {
      if (!batch || batch.length === 0) {
        const one = await redis.blpop(queue, 1);
        batch = one ? [one[1]] : null;
        continue;
      }
      const p = redis.pipeline();
      // Messages are "<actor>:<seq>"; the whole message is the segment appended to the actor's log.
      for (const m of batch) p.rpush(`${job.prefix}:ctx:${m.slice(0, m.indexOf(':'))}`, m);
      const warming = done < prewarm;
      done += batch.length;
      if (done < total) p.lpop(queue, BATCH);
      const out = results(await p.exec());
      // the producer sends no measured message before the runner has this
      if (warming && done >= prewarm) report({ kind: 'warm' });
      batch = done < total ? (out[out.length - 1] as string[] | null) : null;
    }
    return { last: nowMs(), consumed: done - prewarm };
  } finally {
    stopProgress();
  }
}

async function main(): Promise<void> {
  const job = jobOf<PipelineChildJob>();
  const redis = new Redis(job.url, childRedisOptions);
  const queue = `${job.prefix}:queue`;
  try {
    await redis.ping();
    if (job.role === 'consumer') {
      report({ kind: 'ready' });
      report({ kind: 'done', ...(await consume(redis, job, queue)) });
      return;
    }
    const prewarm = job.prewarm ?? 0;
    await readyThenGo(prewarm > 0 ? () => produce(redis, job, queue, 'w', prewarm) : undefined);
    report({ kind: 'sent', ...(await produce(redis, job, queue)) });
  } finally {
    await redis.quit();
  }
  await holdUntilStopped();
}

main().catch((err: unknown) => {
  console.error('pipeline child:', err);
  process.exit(1);
});
