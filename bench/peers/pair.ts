/**
 * Runs one peer measurement as two child processes, a worker and a producer, the way the Troupe
 * side runs (bench/procs/troupe.ts): the worker connects and reports `ready`, then the producer
 * connects, reports `ready` and starts on `go`, so neither process's start-up (tsx, connections)
 * lands inside the timed window. The calling process only waits on IPC messages.
 *
 * Protocol: the worker sends `ready`, `progress {done}` (at most every 100 ms) and `done {last}`;
 * the producer sends `ready`, then `sent {first, last}` once every message is handed to Redis. With
 * `prewarm`, the producer first sends that many warm-up messages on `warm` and reports `warmed`, and
 * the worker reports `warm` once it has handled them; its progress and `done` count only the rest. Both
 * then stay up until stopped, so their CPU is read from /proc when the window closes, as Troupe's.
 */
import { spawnChild, warmUp, type Child, type ChildMessage } from '../lib/child.ts';
import { startCpuMeter, type CpuMeter, type CpuUse } from '../lib/cpu.ts';

export interface PairRun {
  /** Names the measurement in errors: 'bullmq state'. */
  name: string;
  /** The Redis both use: its CPU and commands are read with the children's. */
  url: string;
  worker: { module: URL; job: unknown };
  producer: { module: URL; job: unknown };
  /** Completions the worker waits for, and what they are ('jobs'), for the time-limit message. */
  total: number;
  unit: string;
  limitMs: number;
  /** Warm-up messages the producer sends and the worker handles before the window (child.ts `warmUp`). */
  prewarm?: number;
  onProgress?: (done: number) => void;
}

export interface PairResult {
  sent: ChildMessage & { first: number; last: number };
  done: ChildMessage & { last: number };
  /** From go until both children reported. */
  cpu: CpuUse;
}

/**
 * ioredis options for the children. maxRetriesPerRequest: null is what BullMQ requires of a
 * worker's connection; the bounded reconnects make a lost Redis fail the run within ~2 s instead of
 * leaving a child retrying until the time limit (a run that lost its Redis measures nothing).
 */
export const childRedisOptions = {
  maxRetriesPerRequest: null,
  retryStrategy: (attempt: number) => (attempt <= 20 ? 100 : null),
};

export const fmt = (n: number): string => n.toLocaleString('en-US');

/** Expected messages for actor `a` when message i goes to actor i % actors. */
export const sentTo = (a: number, messages: number, actors: number): number =>
  Math.floor(messages / actors) + (a < messages % actors ? 1 : 0);

export async function runPair(o: PairRun): Promise<PairResult> {
  const children: Child[] = [];
  let done = 0;
  let timer: NodeJS.Timeout | undefined;
  let meter: CpuMeter | undefined;
  try {
    const worker = spawnChild(o.worker.module, o.worker.job);
    children.push(worker);
    worker.onMessage((m) => {
      if (m.kind !== 'progress') return;
      done = m.done as number;
      o.onProgress?.(done);
    });
    await worker.next('ready', 60_000);
    const producer = spawnChild(o.producer.module, o.producer.job);
    children.push(producer);
    await producer.next('ready', 60_000);
    await warmUp(producer, worker, o.prewarm ?? 0, o.limitMs);
    meter = await startCpuMeter(o.url, [
      { role: 'sender', pid: producer.proc.pid },
      { role: 'worker', pid: worker.proc.pid },
    ]);
    producer.send({ kind: 'go' });

    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${fmt(done)} of ${fmt(o.total)} ${o.unit} completed before the ${o.limitMs / 1000} s limit`,
            ),
          ),
        o.limitMs,
      );
    });
    // The children's own waits outlast the deadline, so the deadline's message (with the count) wins.
    const slack = o.limitMs + 60_000;
    const [sent, finished] = await Promise.race([
      Promise.all([
        producer.next<PairResult['sent']>('sent', slack),
        worker.next<PairResult['done']>('done', slack),
      ]),
      deadline,
    ]);
    const cpu = await meter.stop(o.total);
    o.onProgress?.(o.total);
    return { sent, done: finished, cpu };
  } catch (err) {
    throw new Error(`${o.name}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
    meter?.cancel();
    await Promise.all(children.map((c) => c.stop()));
  }
}
