/**
 * The ceiling: only the Redis work a message needs, pipelined, with no guarantees (no ownership, no
 * acknowledgement, nothing survives a crash). A producer process RPUSHes messages onto a list; a
 * consumer process pops them in batches and appends each to its actor's log (ctx:<actor>). Whatever
 * Troupe adds on top of this is the price of its guarantees, which is what the ratio shows.
 *
 * The logs are checked exactly afterwards, so a fast but wrong run throws instead of reporting.
 */
import { Redis } from 'ioredis';
import type { PeerThroughput } from './bullmq.ts';
import { fmt, runPair, sentTo } from './pair.ts';
import type { PipelineChildJob } from './pipeline-child.ts';

const childModule = new URL('./pipeline-child.ts', import.meta.url);

async function checkLogs(o: {
  url: string;
  prefix: string;
  messages: number;
  actors: number;
}): Promise<void> {
  const redis = new Redis(o.url, { maxRetriesPerRequest: 3 });
  try {
    const wrong: string[] = [];
    let total = 0;
    for (let from = 0; from < o.actors; from += 10_000) {
      const p = redis.pipeline();
      const to = Math.min(from + 10_000, o.actors);
      for (let a = from; a < to; a++) p.llen(`${o.prefix}:ctx:${a}`);
      const res = (await p.exec()) ?? [];
      res.forEach(([err, len], k) => {
        if (err) throw err;
        total += len as number;
        const want = sentTo(from + k, o.messages, o.actors);
        if (len !== want && wrong.length < 5) wrong.push(`actor ${from + k}: ${len as number} of ${want}`);
      });
    }
    const left = await redis.llen(`${o.prefix}:queue`);
    if (total !== o.messages || wrong.length > 0 || left > 0) {
      throw new Error(
        `redis pipeline: the logs hold ${fmt(total)} of ${fmt(o.messages)} messages, ${fmt(left)} left on the queue` +
          (wrong.length > 0 ? `; ${wrong.join('; ')}` : ''),
      );
    }
  } finally {
    redis.disconnect();
  }
}

/** The ceiling: only the Redis work a message needs, pipelined, no guarantees: a producer process RPUSHes each message (msgpack or small string) onto a queue list in pipelines; a consumer process LPOPs batches (LPOP key count) and for each message RPUSHes one segment onto ctx:<actor> in a pipeline; checked at the end: sum of LLEN ctx:* == messages and each actor's log length is what was sent to it. */
export async function pipelineThroughput(o: {
  url: string;
  prefix: string;
  messages: number;
  actors: number;
  prewarm?: number;
  onProgress?: (done: number) => void;
}): Promise<PeerThroughput> {
  const job = (role: PipelineChildJob['role']): PipelineChildJob => ({
    role,
    url: o.url,
    prefix: o.prefix,
    messages: o.messages,
    actors: o.actors,
    ...(o.prewarm ? { prewarm: o.prewarm } : {}),
  });
  const { sent, done, cpu } = await runPair({
    name: 'redis pipeline',
    url: o.url,
    worker: { module: childModule, job: job('consumer') },
    producer: { module: childModule, job: job('producer') },
    total: o.messages,
    unit: 'messages',
    limitMs: 120_000 + o.messages / 10, // 10,000 messages/s past the first two minutes
    ...(o.prewarm ? { prewarm: o.prewarm } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  await checkLogs(o);
  const ms = done.last - sent.first;
  return {
    ms,
    messages: o.messages,
    rate: (o.messages * 1000) / ms,
    lostUpdates: 0,
    detail: { producerMs: sent.last - sent.first },
    cpu,
  };
}
