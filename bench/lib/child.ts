/**
 * Benchmark child processes: senders and workers run in processes of their own, as they would in
 * production, and talk to the runner over Node's IPC channel.
 *
 * A child is a TypeScript module started through tsx; it receives its job as JSON in argv[2] and
 * reports with `process.send(message)`. `spawnChild` resolves messages by their `kind`.
 *
 * @example
 * ```ts
 * const child = spawnChild(new URL('../procs/sender.ts', import.meta.url), { url, messages: 1000 });
 * const done = await child.next('done');   // waits for { kind: 'done', ... }
 * await child.stop();
 * ```
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildMessage {
  kind: string;
  [field: string]: unknown;
}

export interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the next message of this kind (or one already received and not yet taken). */
  next<M extends ChildMessage = ChildMessage>(kind: string, timeoutMs?: number): Promise<M>;
  /** Called for every message as it arrives (progress). */
  onMessage(fn: (m: ChildMessage) => void): void;
  send(message: ChildMessage): void;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

/** Starts `module` (a .ts file) in a new Node process with `job` as its argument. */
export function spawnChild(module: URL, job: unknown, options: { execArgv?: string[] } = {}): Child {
  // `npm run bench -- --cpu-prof DIR` profiles the children, where the work happens
  const profile = process.env.TROUPE_BENCH_CPU_PROF;
  const proc = fork(fileURLToPath(module), [JSON.stringify(job)], {
    execArgv: [
      '--import',
      'tsx',
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      ...(options.execArgv ?? []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queued: ChildMessage[] = [];
  const waiters: { kind: string; resolve: (m: ChildMessage) => void; reject: (e: Error) => void }[] = [];
  const listeners: ((m: ChildMessage) => void)[] = [];
  let exited: Error | undefined;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  proc.on('message', (raw) => {
    const m = raw as ChildMessage;
    for (const fn of listeners) fn(m);
    const i = waiters.findIndex((w) => w.kind === m.kind);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else queued.push(m);
  });
  proc.once('exit', (code, signal) => {
    exited = new Error(`benchmark child ${module.pathname} exited (code ${code}, signal ${signal})`);
    for (const w of waiters.splice(0)) w.reject(exited);
  });

  return {
    proc,
    next<M extends ChildMessage>(kind: string, timeoutMs = 600_000): Promise<M> {
      const i = queued.findIndex((m) => m.kind === kind);
      if (i >= 0) return Promise.resolve(queued.splice(i, 1)[0] as M);
      if (exited) return Promise.reject(exited);
      return new Promise<M>((resolve, reject) => {
        const timer = setTimeout(() => {
          const w = waiters.indexOf(waiter);
          if (w >= 0) waiters.splice(w, 1);
          reject(
            new Error(`benchmark child ${module.pathname}: no "${kind}" message within ${timeoutMs} ms`),
          );
        }, timeoutMs);
        const waiter = {
          kind,
          resolve: (m: ChildMessage) => {
            clearTimeout(timer);
            resolve(m as M);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        waiters.push(waiter);
      });
    },
    onMessage: (fn) => void listeners.push(fn),
    send: (message) => void proc.send(message),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** In a child: the job it was started with. */
export function jobOf<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('a benchmark child needs its job as JSON in argv[2]');
  return JSON.parse(raw) as T;
}

/** In a child: reports to the runner. */
export function report(message: ChildMessage): void {
  if (!process.send) throw new Error('a benchmark child must be started by spawnChild (no IPC channel)');
  process.send(message);
}

/** High-resolution wall-clock ms, comparable between processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * In a child: says it is ready, and resolves when the runner says go. A sender given `warm` runs it
 * when the runner says warm (before go: see `warmUp`) and reports `warmed` once it is done.
 */
export function readyThenGo(warm?: () => Promise<unknown>): Promise<void> {
  const go = new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      const kind = (m as { kind?: string } | null)?.kind;
      if (kind === 'warm' && warm) {
        warm().then(() => report({ kind: 'warmed' }), reject);
        return;
      }
      if (kind !== 'go') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
  report({ kind: 'ready' });
  return go;
}

/**
 * In the runner, before the measured window of a closed-loop run: the sender sends `messages` to
 * actors of their own and the worker reports `warm` once it has handled them all, so the window
 * measures processes past their start (code compiled by the JIT, heaps grown), as in a service
 * that has been up a while, not the first second of a fresh one. Nothing when `messages` is 0.
 */
export async function warmUp(
  sender: Child,
  worker: Child,
  messages: number,
  timeoutMs = 120_000,
): Promise<void> {
  if (messages <= 0) return;
  sender.send({ kind: 'warm' });
  await Promise.all([sender.next('warmed', timeoutMs), worker.next('warm', timeoutMs)]);
}

/** In a child: reports `done()` to the runner every `everyMs` while it changes; returns the stop. */
export function reportProgress(done: () => number, everyMs = 100): () => void {
  let reported = 0;
  const ticker = setInterval(() => {
    const now = done();
    if (now === reported) return;
    reported = now;
    report({ kind: 'progress', done: now });
  }, everyMs);
  return () => clearInterval(ticker);
}

/**
 * In a child, once its work is reported: stays alive, idle, until the runner stops it (SIGTERM) or
 * goes away. The runner reads every process's CPU from /proc when the whole window closes, so a
 * child that finished early must still be there to be read.
 */
export function holdUntilStopped(): Promise<never> {
  return new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
    process.once('disconnect', () => process.exit(0));
    // exiting (not dying of the signal) lets --cpu-prof write the profile
    process.once('SIGTERM', () => process.exit(0));
  });
}
