/**
 * `npm run demo`: Troupe end to end on one machine.
 *
 * Starts a private redis-server (or uses REDIS_URL, in a fresh namespace), two worker processes
 * (`troupe worker`), and a few concurrent senders that send a stream of messages to many actors.
 * The progress bar counts committed messages: sent messages whose turn has been committed (the
 * message is gone from its mailbox). At the end every actor's context, read with `ref.read()`, is
 * compared with what was sent: PASS or FAIL (exit code 1).
 *
 *   npm run demo -- --messages 100000 --actors 1000
 */
import { createInterface } from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { Redis } from 'ioredis';
import { connect, partitionOf, type ActorRef, type Troupe } from 'troupe';
import { dropNamespace, freshNamespace } from '../tools/namespace.ts';
import { startPrivateRedis, type PrivateRedis } from '../tools/private-redis.ts';
import { Tally, type TallyCtx } from './actors.ts';

const HELP = `Usage: npm run demo -- [options]

  --messages N   messages to send in total (default 20000)
  --actors N     actors to spread them over (default 200)
  --senders N    concurrent senders (default 3)
  --workers N    worker processes (default 2)
  -h, --help     this text

Uses REDIS_URL if set (in a fresh namespace, deleted afterwards); otherwise starts a private
redis-server (it must be on PATH).`;

/** Tells each sender keeps in flight: they pipeline on its connection, so order is kept. */
const WINDOW = 512;
/** Fail when nothing is committed for this long. */
const STALL_MS = 30_000;

const BIN = fileURLToPath(new URL('../bin/troupe.mjs', import.meta.url));
const ACTORS_MODULE = fileURLToPath(new URL('./actors.ts', import.meta.url));

function options() {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '20000' },
      actors: { type: 'string', default: '200' },
      senders: { type: 'string', default: '3' },
      workers: { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name: keyof typeof values) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) {
      console.error(`--${name} must be a positive whole number, got "${String(values[name])}"\n\n${HELP}`);
      process.exit(2);
    }
    return n;
  };
  return {
    messages: int('messages'),
    actors: int('actors'),
    senders: int('senders'),
    workers: int('workers'),
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker process, with its stderr (pino JSON lines) scanned for readiness and problems. */
class WorkerProcess {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  private stopping = false;
  private recent: string[] = [];

  constructor(
    readonly n: number,
    redisUrl: string,
    namespace: string,
  ) {
    this.proc = spawn(
      process.execPath,
      [BIN, '-r', redisUrl, '-n', namespace, 'worker', '-a', ACTORS_MODULE, '--log-level', 'info'],
      { stdio: ['ignore', 'inherit', 'pipe'] },
    );
    this.ready = new Promise((resolve, reject) => {
      createInterface({ input: this.proc.stderr! }).on('line', (line) => {
        if (this.onLine(line)) resolve();
      });
      this.proc.once('exit', (code, signal) => {
        if (!this.stopping) {
          const why = `worker ${this.n} exited (${code ?? signal})`;
          console.error(`\n${why}; its last output:\n${this.recent.join('\n')}`);
          reject(new Error(why));
        }
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Prints warnings and errors; returns true for the 'worker ready' line. */
  private onLine(line: string): boolean {
    this.recent = [...this.recent.slice(-20), line];
    let entry: { level?: number; msg?: string; err?: { message?: string } } | undefined;
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      console.error(`[worker ${this.n}] ${line}`);
      return false;
    }
    if (entry?.msg === 'worker ready') return true;
    if ((entry?.level ?? 0) >= 40) {
      console.error(
        `\n[worker ${this.n}] ${entry?.msg ?? line}${entry?.err?.message ? `: ${entry.err.message}` : ''}`,
      );
    }
    return false;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGTERM (graceful: turns in flight commit, partitions are handed back), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** What the senders sent to each actor: the context the actor must end with. */
function emptyTally(): TallyCtx {
  return { count: 0, sum: 0, last: {}, outOfOrder: 0 };
}

async function runSender(
  name: string,
  count: number,
  connectOne: () => Promise<Troupe>,
  expected: TallyCtx[],
  onSent: () => void,
): Promise<void> {
  const troupe = await connectOne();
  try {
    const refs = expected.map((_, i) => troupe.ref(Tally, `tally-${i}`));
    const seq = new Array<number>(expected.length).fill(0);
    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < count; i++) {
      const a = Math.floor(Math.random() * expected.length);
      const q = ++seq[a]!;
      const v = 1 + Math.floor(Math.random() * 100);
      const e = expected[a]!;
      e.count++;
      e.sum += v;
      e.last[name] = q;
      const p: Promise<void> = refs[a]!.tell('record', name, q, v).then(() => {
        inflight.delete(p);
        onSent();
      });
      inflight.add(p);
      if (inflight.size >= WINDOW) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    await troupe.close();
  }
}

async function main(): Promise<number> {
  const opts = options();
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    // 1. Redis.
    let redisUrl = process.env.REDIS_URL;
    const namespace = freshNamespace('demo');
    const shared = Boolean(redisUrl);
    if (redisUrl) {
      console.log(`Redis: REDIS_URL=${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}, namespace ${namespace}`);
    } else {
      console.log('Redis: REDIS_URL is not set, starting a private redis-server (tools/private-redis.ts)');
      let redis: PrivateRedis;
      try {
        redis = await startPrivateRedis();
      } catch (err) {
        console.error((err as Error).message);
        return 2;
      }
      redisUrl = redis.url;
      cleanups.push(() => redis.stop());
      console.log(`       ${redis.url} (temp dir ${redis.dir}; removed at the end)`);
    }
    const url = redisUrl;
    const connectOne = () => connect({ redis: url, namespace, actors: [Tally] });

    // 2. This process's client: creates the namespace, reads contexts at the end.
    const troupe = await connectOne();
    if (shared) {
      // Runs last (cleanups run in reverse): after the workers and every client are gone.
      cleanups.push(async () => {
        const n = await dropNamespace(url, namespace);
        console.log(`deleted ${n} keys of namespace ${namespace}`);
      });
    }
    cleanups.push(() => troupe.close());
    const probe = new Redis(url, { maxRetriesPerRequest: 3 });
    cleanups.push(() => Promise.resolve(probe.disconnect()));

    // 3. Worker processes.
    console.log(`starting ${opts.workers} worker processes: node bin/troupe.mjs worker -a demo/actors.ts`);
    const workers = Array.from({ length: opts.workers }, (_, i) => new WorkerProcess(i + 1, url, namespace));
    cleanups.push(() => Promise.all(workers.map((w) => w.stop())));
    process.once('exit', () => workers.forEach((w) => w.alive && w.proc.kill('SIGKILL')));
    let readyTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(workers.map((w) => w.ready)),
      new Promise((_, reject) => {
        readyTimer = setTimeout(() => reject(new Error('workers did not become ready within 30 s')), 30_000);
      }),
    ]).finally(() => clearTimeout(readyTimer));

    // 4. Send, and watch the commits.
    const refs: ActorRef<Tally>[] = Array.from({ length: opts.actors }, (_, i) =>
      troupe.ref(Tally, `tally-${i}`),
    );
    // Uncommitted messages are the ones still in a mailbox: commit removes a turn's message from it.
    // (Internal key layout, used here only to draw the bar; the check at the end uses ref.read().)
    const mailboxes = refs.map((r) =>
      troupe.keys.mailbox(partitionOf(r.type, r.id, troupe.partitions), `${r.type}/${r.id}`),
    );
    const expected = refs.map(() => emptyTally());
    console.log(
      `sending ${fmt(opts.messages)} messages to ${fmt(opts.actors)} actors from ${opts.senders} concurrent senders`,
    );
    const bar = new SingleBar(
      {
        format:
          'committed {bar} {percentage}% | {value}/{total} | sent {sent} | {rate} msgs/s | {duration_formatted}',
        noTTYOutput: true,
        notTTYSchedule: 2000,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    let sent = 0;
    let committed = 0;
    const started = Date.now();
    bar.start(opts.messages, 0, { sent: 0, rate: 0 });
    cleanups.push(() => Promise.resolve(bar.stop()));

    let sendError: Error | undefined;
    let sendersDone = false;
    const perSender = Math.floor(opts.messages / opts.senders);
    const senders = Array.from({ length: opts.senders }, (_, i) =>
      runSender(
        `s${i + 1}`,
        perSender + (i < opts.messages % opts.senders ? 1 : 0),
        connectOne,
        expected,
        () => sent++,
      ),
    );
    cleanups.push(() => Promise.allSettled(senders)); // on failure: let the others stop before cleaning up
    void Promise.all(senders)
      .catch((err: unknown) => (sendError = err instanceof Error ? err : new Error(String(err))))
      .finally(() => (sendersDone = true));

    let lastChange = Date.now();
    let finished = 0;
    for (;;) {
      const sentBefore = sent;
      const replies = (await probe.pipeline(mailboxes.map((k) => ['llen', k])).exec()) ?? [];
      const waiting = replies.map(([err, n]) => (err ? 0 : Number(n)));
      const pending = waiting.reduce((s, n) => s + n, 0);
      const now = Math.max(committed, Math.min(opts.messages, sentBefore - pending));
      if (now !== committed) lastChange = Date.now();
      committed = now;
      bar.update(committed, {
        sent: fmt(sent),
        rate: fmt(committed / Math.max(0.001, (Date.now() - started) / 1000)),
      });
      if (sendError) throw sendError;
      if (sendersDone && sentBefore === opts.messages && pending === 0) {
        finished = Date.now();
        break;
      }
      if (Date.now() - lastChange > STALL_MS) {
        const stuck = refs.flatMap((r, i) => (waiting[i] ? [`${r.id} (${waiting[i]} waiting)`] : []));
        const state = workers.map((w) => `worker ${w.n} ${w.alive ? 'running' : 'exited'}`).join(', ');
        throw new Error(
          `no message committed for ${STALL_MS / 1000} s (${state}); actors with mail: ` +
            `${stuck.slice(0, 10).join(', ')}${stuck.length > 10 ? ', ...' : ''}`,
        );
      }
      if (!workers.some((w) => w.alive)) throw new Error('every worker process has exited');
      await sleep(200);
    }
    bar.update(committed, { sent: fmt(sent), rate: fmt(committed / ((finished - started) / 1000)) });
    bar.stop();

    // 5. Check every context against what was sent.
    let mismatches = 0;
    let total = 0;
    for (let i = 0; i < refs.length; i += 100) {
      const chunk = refs.slice(i, i + 100);
      const contexts = await Promise.all(chunk.map((r) => r.read()));
      contexts.forEach((ctx, k) => {
        const want = expected[i + k]!;
        total += ctx.count;
        if (!isDeepStrictEqual(ctx, want)) {
          if (++mismatches <= 5) {
            console.error(
              `mismatch ${chunk[k]!.id}: read ${JSON.stringify(ctx)}, sent ${JSON.stringify(want)}`,
            );
          }
        }
      });
    }

    const seconds = (finished - started) / 1000;
    console.log(`messages   ${fmt(opts.messages)} from ${opts.senders} senders (${fmt(total)} in contexts)`);
    console.log(`actors     ${fmt(opts.actors)}`);
    console.log(`workers    ${opts.workers} processes`);
    console.log(`elapsed    ${seconds.toFixed(2)} s (first send to last commit)`);
    console.log(
      `throughput ${fmt(opts.messages / seconds)} msgs/s, each a committed turn with a context append`,
    );
    console.log(
      `contexts   ${fmt(opts.actors - mismatches)}/${fmt(opts.actors)} equal to what was sent (count, sum, order per sender)`,
    );
    const pass = mismatches === 0 && total === opts.messages;
    console.log(pass ? 'PASS' : 'FAIL');
    return pass ? 0 : 1;
  } catch (err) {
    console.error(`\nFAIL: ${(err as Error).message}`);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
