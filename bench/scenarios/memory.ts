/**
 * Scenario `memory`: Redis bytes per idle actor, at 10k and 1M actors (--quick: 10k), measured
 * through the real path (`npm run bench -- --scenario memory`).
 *
 * For each size N, on a fresh Redis: `connect()`, then an in-process worker (`troupe.work()` with a
 * short idleMs) gets one `add(1)` for each of N BenchCounter actors, sent through `tell` with 2,000
 * in flight and at most 4,000 ahead of the worker. The run waits until every turn has committed and every actor has gone idle: the worker
 * drops an idle actor from memory and stows its log (here a base and one segment) in its partition's
 * log bucket, so what stays in Redis is what an idle actor costs for as long as it is idle. Then the worker stops and `INFO memory` used_memory is compared
 * with the reading taken before the sends (after connect and a warm-up worker, so loaded scripts and
 * the partitions' own keys are not charged to the actors).
 *
 * Every actor is checked: its log folds to count === 1 at seq === 1 (the notes count logs left in
 * keys of their own rather than stowed); no mailbox, lock or history key is left. Reported per actor: total bytes, the bytes of the context
 * itself (the log entries' length), and the headline, the bytes beyond the context: keys, Redis
 * objects, list encoding and the keyspace's hash table.
 */
import type { Redis } from 'ioredis';
import { connect, type Troupe, type Worker, type WorkerStats } from '../../src/index.ts';
import { foldLog, joinLog } from '../../src/protocol/log.ts';
import { actorKey, partitionOf } from '../../src/protocol/partition.ts';
import { Keys } from '../../src/redis/keys.ts';
import { BenchCounter, type CounterCtx, type CounterSeg } from '../actors.ts';
import { startInProcessMeter, type CpuMeter, type CpuUse } from '../lib/cpu.ts';
import { cpuRow } from '../lib/cpu-table.ts';
import type { BenchRedis } from '../lib/redis.ts';
import type { BenchContext, Measurement, Scenario, ScenarioOutcome, TargetCheck } from '../lib/scenario.ts';
import { formatCount, summarize, timed } from '../lib/timing.ts';

/** The issue's target, and the count of idle actors it is set at. */
const TARGET_BYTES = 120;
const TARGET_ACTORS = 1_000_000;
/** Tells awaiting their reply at once: enough to keep Redis and the worker busy, bounded memory here. */
const IN_FLIGHT = 2_000;
/** Messages sent and not yet handled, at most (see sendAll). */
const BACKLOG = 4_000;
/**
 * Short, so actors go idle (and their logs are merged) soon after their turn; the sweep runs every
 * max(250, idleMs / 2) ms.
 */
const IDLE_MS = 400;
/**
 * Merges on deactivation run a few at a time (default 2); at a million actors going idle at once
 * that would take minutes, so the benchmark allows more. It changes how soon, not what, is stored.
 */
const MERGE_CONCURRENCY = 32;
/** Actors whose context is also read through the public `ref.read()`, beside the raw check of all. */
const READ_SAMPLE = 200;
/** Keys of one layout pattern asked for MEMORY USAGE (a cross-check of the used_memory delta). */
const USAGE_SAMPLE = 200;
/** How long merges must stand still, with no actor active, before the rest are taken as never coming. */
const MERGE_QUIET_MS = 3_000;
/** connect()'s default for a new namespace, which the bare-list reference copies for its key names. */
const PARTITIONS = 64;
/** Round trips batched when checking every actor. */
const CHECK_BATCH = 5_000;

const SYSTEM_BEYOND = 'troupe (beyond context)';
const SYSTEM_TOTAL = 'troupe (total)';
const SYSTEM_CONTEXT = 'context alone';
const SYSTEM_BARE = 'bare Redis list (total)';

/** Short ids, as an application's might be; each byte more in an id is about one byte more per actor. */
function idOf(i: number): string {
  return `a-${i}`;
}

function shortCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return formatCount(n);
}

function infoField(info: string, field: string): number {
  const raw = new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value)) throw new Error(`INFO has no numeric ${field}`);
  return value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface MemoryReading {
  usedMemory: number;
  dataset: number;
  overhead: number;
}

/**
 * used_memory once the server has settled: freed clients and shrunk query buffers are only
 * accounted for after the server's next cron ticks, so readings are taken until two in a row agree.
 */
async function settledMemory(admin: Redis): Promise<MemoryReading> {
  let last: MemoryReading | undefined;
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const info = await admin.info('memory');
    const reading = {
      usedMemory: infoField(info, 'used_memory'),
      dataset: infoField(info, 'used_memory_dataset'),
      overhead: infoField(info, 'used_memory_overhead'),
    };
    if (last?.usedMemory === reading.usedMemory) return reading;
    last = reading;
  }
  return last!;
}

/**
 * Waits until the worker has committed `turns` turns and holds no actor, then MERGE_QUIET_MS with
 * no merge, so the stows and merges the idle sweep started have landed (checkContexts counts any
 * log left in a key of its own).
 */
async function whenIdle(
  worker: Worker,
  turns: number,
  bar?: { update(n: number): void },
): Promise<WorkerStats> {
  const deadline = Date.now() + 120_000 + turns;
  let merges = -1;
  let quietSince = Date.now();
  for (;;) {
    const s = worker.stats();
    if (s.turnsFailed > 0 || s.fencedCommits > 0) {
      throw new Error(`memory: the worker failed turns or was fenced: ${JSON.stringify(s)}`);
    }
    bar?.update(Math.max(0, Math.min(turns, s.turnsSucceeded - s.activeActors)));
    const settled = s.turnsSucceeded >= turns && s.activeActors === 0 && s.inflight === 0;
    if (s.merges !== merges || !settled) {
      merges = s.merges;
      quietSince = Date.now();
    }
    if (settled && Date.now() - quietSince > MERGE_QUIET_MS) return s;
    if (Date.now() > deadline) {
      throw new Error(
        `memory: timed out waiting for ${formatCount(turns)} turns committed and every actor idle (now: ${JSON.stringify(s)})`,
      );
    }
    await sleep(50);
  }
}

/**
 * Sends one add(1) to each actor, IN_FLIGHT tells at a time, and never more than BACKLOG messages
 * ahead of the worker: Redis never shrinks its keyspace table while it is over 10% full, so a burst
 * of N mailboxes waiting beside N logs would double the table for good and charge idle actors for a
 * transient that steady traffic does not have.
 */
async function sendAll(troupe: Troupe, worker: Worker, n: number, onDone: (done: number) => void) {
  let next = 0;
  let done = 0;
  let handled = 0;
  const poll = setInterval(() => {
    handled = worker.stats().turnsSucceeded;
  }, 5);
  let gate: Promise<void> | undefined;
  const lane = async () => {
    for (;;) {
      while (next - handled >= BACKLOG) await (gate ??= sleep(5).then(() => (gate = undefined)));
      if (next >= n) return;
      const i = next++;
      await troupe.ref(BenchCounter, idOf(i)).tell('add', 1);
      if (++done % 1_000 === 0) onDone(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, n) }, lane));
  } finally {
    clearInterval(poll);
  }
  onDone(done);
}

interface KeyPattern {
  /** e.g. `{troupe:<ns>:<p>}:ctx:bench-counter/<id>` */
  pattern: string;
  type: string;
  count: number;
  /** OBJECT ENCODING of a sample key. */
  encoding: string;
  /** MEMORY USAGE averaged over a sample of these keys. */
  memoryUsage: number;
  /** Key name bytes, averaged over the sample. */
  keyBytes: number;
}

/** Every key of the namespace, by shape: which keys an idle actor leaves, and which the system has. */
async function keyLayout(admin: Redis, namespace: string): Promise<KeyPattern[]> {
  const escaped = namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const shape = (key: string) =>
    key
      .replace(new RegExp(`^\\{troupe:${escaped}:\\d+\\}`), '{troupe:<ns>:<p>}')
      .replace(new RegExp(`^\\{troupe:${escaped}\\}:`), '{troupe:<ns>}:')
      .replace(new RegExp(`^troupe:${escaped}:`), 'troupe:<ns>:')
      .replace(/(bench-counter\/).*$/, '$1<id>')
      .replace(/:logs:\d+$/, ':logs:<bucket>');
  const byShape = new Map<string, { count: number; sample: string[] }>();
  for (const match of [`troupe:${namespace}:*`, `{troupe:${namespace}}:*`, `{troupe:${namespace}:*`]) {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await admin.scan(cursor, 'MATCH', match, 'COUNT', 10_000);
      cursor = nextCursor;
      for (const key of keys) {
        const s = shape(key);
        const entry = byShape.get(s) ?? { count: 0, sample: [] };
        entry.count++;
        if (entry.sample.length < USAGE_SAMPLE) entry.sample.push(key);
        byShape.set(s, entry);
      }
    } while (cursor !== '0');
  }
  const out: KeyPattern[] = [];
  for (const [pattern, { count, sample }] of byShape) {
    const first = sample[0]!;
    const [type, encoding] = await Promise.all([
      admin.type(first),
      admin.object('ENCODING', first) as Promise<string | null>,
    ]);
    const usages = await Promise.all(sample.map((k) => admin.memory('USAGE', k, 'SAMPLES', 0)));
    const usage = usages.reduce<number>((s, u) => s + (u ?? 0), 0) / sample.length;
    const keyBytes = sample.reduce((s, k) => s + Buffer.byteLength(k), 0) / sample.length;
    out.push({ pattern, type, count, encoding: encoding ?? '?', memoryUsage: usage, keyBytes });
  }
  return out.sort((a, b) => b.count - a.count || a.pattern.localeCompare(b.pattern));
}

/**
 * Reads every actor's log and folds it as activation does: count === 1 and seq === 1, or the run
 * fails. Returns the bytes of the log entries (the context as Redis stores it) and how many logs
 * were left in keys of their own instead of stowed in a log bucket.
 */
async function checkContexts(
  admin: Redis,
  troupe: Troupe,
  n: number,
  onDone: (done: number) => void,
): Promise<{ contextBytes: number; unstowed: number; sampleLog: Buffer[] }> {
  const type = BenchCounter.type;
  const counter = new BenchCounter();
  let contextBytes = 0;
  let unstowed = 0;
  let sampleLog: Buffer[] = [];
  for (let from = 0; from < n; from += CHECK_BATCH) {
    const to = Math.min(n, from + CHECK_BATCH);
    const pipe = admin.pipeline();
    for (let i = from; i < to; i++) {
      const id = idOf(i);
      const p = partitionOf(type, id, troupe.partitions);
      const akey = actorKey(type, id);
      pipe.hgetBuffer(troupe.keys.logBucketOf(p, akey, troupe.partitions), akey);
      pipe.lrangeBuffer(troupe.keys.log(p, akey), 0, -1);
    }
    const results = (await pipe.exec()) ?? [];
    for (let j = 0; j < to - from; j++) {
      const [[err1, stowed] = [], [err2, list] = []] = results.slice(2 * j, 2 * j + 2);
      const err = err1 ?? err2;
      if (err) throw err;
      const entries = joinLog({ stowed: stowed as Buffer | null, list: list as Buffer[] });
      if ((list as Buffer[]).length > 0) unstowed++;
      const folded = foldLog<CounterCtx, CounterSeg>(
        entries,
        () => counter.initial(),
        (c, seg) => counter.apply(c, seg),
      );
      if (entries.length === 0 || folded.ctx.count !== 1 || folded.seq !== 1) {
        throw new Error(
          `memory: actor ${idOf(from + j)}: expected count 1 at seq 1; the log has ${entries.length} entries, folding to count ${folded.ctx.count} at seq ${folded.seq}`,
        );
      }
      if (from + j === 0) sampleLog = entries;
      for (const e of entries) contextBytes += e.length;
    }
    onDone(to);
  }
  const step = Math.max(1, Math.floor(n / READ_SAMPLE));
  for (let i = 0; i < n; i += step) {
    const ctx = await troupe.ref(BenchCounter, idOf(i)).read();
    if (ctx.count !== 1)
      throw new Error(`memory: ref.read() of ${idOf(i)} gave count ${ctx.count}, expected 1`);
  }
  return { contextBytes, unstowed, sampleLog };
}

interface SizeResult {
  n: number;
  totalPerActor: number;
  contextPerActor: number;
  beyondPerActor: number;
  /** Logs left in keys of their own, not stowed in a log bucket. */
  unstowed: number;
  /** Actor 0's log entries, for the bare-list reference. */
  sampleLog: Buffer[];
  redisVersion: string;
  detail: Record<string, unknown>;
  /** This process (sender and worker) and Redis, from the first tell until every actor was idle. */
  cpu: CpuUse;
}

async function measureSize(ctx: BenchContext, n: number, label: string): Promise<SizeResult> {
  const target: BenchRedis = await ctx.redis();
  let troupe: Troupe | undefined;
  let worker: Worker | undefined;
  let meter: CpuMeter | undefined;
  try {
    const admin = target.client();
    const { version } = await target.serverInfo();
    troupe = await connect({ redis: target.url, namespace: target.namespace, actors: [BenchCounter] });
    const workOptions = { idleMs: IDLE_MS, mergeConcurrency: MERGE_CONCURRENCY, leaseMs: 10_000 };

    // One actor through a worker of its own first: loads the scripts and creates the partitions'
    // keys, which are the system's cost, not the actors'. Its own keys are in both readings.
    ctx.status(`${label}: warming up …`);
    worker = await troupe.work(workOptions);
    await troupe.ref(BenchCounter, 'warmup').tell('add', 1);
    await whenIdle(worker, 1);
    await worker.stop();
    worker = undefined;
    const before = await settledMemory(admin);

    worker = await troupe.work(workOptions);
    meter = await startInProcessMeter(target.url);
    const sendBar = ctx.progress(`${label}: sending add(1)`, n);
    const sent = await timed(() => sendAll(troupe!, worker!, n, (d) => sendBar.update(d)));
    sendBar.stop();
    const idleBar = ctx.progress(`${label}: committed, idle and stowed`, n);
    const idle = await timed(() => whenIdle(worker!, n, idleBar));
    idleBar.stop();
    const cpu = await meter.stop(n);
    const stats = idle.value;
    await worker.stop();
    worker = undefined;
    const after = await settledMemory(admin);

    ctx.status(`${label}: checking every actor's context and the key layout …`);
    const checkBar = ctx.progress(`${label}: checking contexts`, n);
    const { contextBytes, unstowed, sampleLog } = await checkContexts(admin, troupe, n, (d) =>
      checkBar.update(d),
    );
    checkBar.stop();
    const layout = await keyLayout(admin, target.namespace);
    const perActor = layout.filter((k) => /:(ctx|logs):/.test(k.pattern));
    const leftovers = layout.filter((k) => /:(mb|lock|hist):/.test(k.pattern));
    if (leftovers.length > 0) {
      throw new Error(
        `memory: unexpected keys after ${formatCount(n)} actors went idle: ${JSON.stringify(layout.map((k) => [k.pattern, k.count]))}`,
      );
    }

    const total = (after.usedMemory - before.usedMemory) / n;
    const context = contextBytes / n;
    return {
      n,
      totalPerActor: total,
      contextPerActor: context,
      beyondPerActor: total - context,
      unstowed,
      sampleLog,
      redisVersion: version,
      cpu,
      detail: {
        actors: n,
        redisVersion: version,
        namespaceBytes: Buffer.byteLength(target.namespace),
        usedMemoryBefore: before.usedMemory,
        usedMemoryAfter: after.usedMemory,
        datasetPerActor: (after.dataset - before.dataset) / n,
        overheadPerActor: (after.overhead - before.overhead) / n,
        contextBytesTotal: contextBytes,
        unstowedLogs: unstowed,
        logKeys: perActor.map((k) => ({
          pattern: k.pattern,
          count: k.count,
          type: k.type,
          encoding: k.encoding,
          memoryUsageSample: Math.round(k.memoryUsage),
          keyBytes: Math.round(k.keyBytes * 10) / 10,
        })),
        otherKeys: layout
          .filter((k) => !perActor.includes(k))
          .map((k) => ({ pattern: k.pattern, type: k.type, count: k.count })),
        sendSeconds: sent.ms / 1000,
        tellsPerSecond: Math.round(n / (sent.ms / 1000)),
        idleSecondsAfterSends: idle.ms / 1000,
        worker: {
          turns: stats.turnsSucceeded,
          commits: stats.commits,
          merges: stats.merges,
          activations: stats.activations,
        },
      },
    };
  } finally {
    meter?.cancel();
    await worker?.stop().catch(() => undefined);
    await troupe?.close().catch(() => undefined);
    await target.close();
  }
}

interface BareList {
  perActor: number;
  keyBytes: number;
}

/**
 * The reference: the same bytes (actor 0's log) RPUSHed under the same key names into a fresh
 * Redis, with no Troupe at all. What Troupe's total exceeds this by is Troupe's own doing; the rest
 * is what one Redis list per actor costs.
 */
async function measureBareList(
  ctx: BenchContext,
  n: number,
  log: Buffer[],
  label: string,
): Promise<BareList> {
  const target = await ctx.redis();
  try {
    const admin = target.client();
    const keys = new Keys(target.namespace);
    const type = BenchCounter.type;
    const keyOf = (i: number) => keys.log(partitionOf(type, idOf(i), PARTITIONS), actorKey(type, idOf(i)));
    ctx.status(`${label}: the same bytes as bare Redis lists …`);
    const before = await settledMemory(admin);
    for (let from = 0; from < n; from += CHECK_BATCH) {
      const pipe = admin.pipeline();
      for (let i = from; i < Math.min(n, from + CHECK_BATCH); i++) pipe.rpush(keyOf(i), ...log);
      for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
    }
    const after = await settledMemory(admin);
    let keyBytes = 0;
    for (let i = 0; i < n; i++) keyBytes += Buffer.byteLength(keyOf(i));
    return { perActor: (after.usedMemory - before.usedMemory) / n, keyBytes: keyBytes / n };
  } finally {
    await target.close();
  }
}

/** One size: Troupe's repetitions and the bare-list reference. */
interface SizeRuns {
  n: number;
  runs: SizeResult[];
  bare: BareList;
}

function measurementsOf(results: SizeRuns[]): Measurement[] {
  const out: Measurement[] = [];
  for (const { n, runs, bare } of results) {
    const base = {
      scenario: 'memory',
      case: `${shortCount(n)} idle actors`,
      metric: 'bytes/actor',
      better: 'lower',
    } as const;
    const detail = runs.length === 1 ? runs[0]!.detail : { runs: runs.map((r) => r.detail) };
    out.push(
      { ...base, system: SYSTEM_BEYOND, summary: summarize(runs.map((r) => r.beyondPerActor)), detail },
      { ...base, system: SYSTEM_TOTAL, summary: summarize(runs.map((r) => r.totalPerActor)) },
      {
        ...base,
        system: SYSTEM_BARE,
        summary: summarize([bare.perActor]),
        detail: {
          what: 'actor 0’s log RPUSHed under each actor’s key name, no Troupe',
          keyBytes: bare.keyBytes,
        },
      },
      { ...base, system: SYSTEM_CONTEXT, summary: summarize(runs.map((r) => r.contextPerActor)) },
    );
  }
  return out;
}

function medianOf(runs: SizeResult[], field: 'beyondPerActor' | 'totalPerActor' | 'contextPerActor'): number {
  return summarize(runs.map((r) => r[field])).median;
}

/** The target is set at a million actors (issue 13): at 10k most log buckets hold one actor. */
function targetOf(results: SizeRuns[]): TargetCheck {
  const atMillion = results.find((r) => r.n >= TARGET_ACTORS);
  return {
    description: `≤ ${TARGET_BYTES} bytes of Redis per idle actor beyond its context at ${shortCount(TARGET_ACTORS)} actors`,
    met: atMillion ? medianOf(atMillion.runs, 'beyondPerActor') <= TARGET_BYTES : undefined,
    observed: results
      .map(
        ({ n, runs }) =>
          `${Math.round(medianOf(runs, 'beyondPerActor'))} bytes at ${shortCount(n)} actors (context ${Math.round(medianOf(runs, 'contextPerActor'))} bytes)`,
      )
      .join('; '),
  };
}

function notesOf(results: SizeRuns[]): string[] {
  const last = results[results.length - 1]!.runs[0]!;
  const keys = (
    last.detail.logKeys as {
      pattern: string;
      count: number;
      type: string;
      encoding: string;
      keyBytes: number;
    }[]
  )
    .map(
      (k) =>
        `${formatCount(k.count)} × ${k.pattern} (${k.type}, ${k.encoding}, key name ~${Math.round(k.keyBytes)} bytes)`,
    )
    .join(', ');
  const notes = [
    `Through the real path: connect(), an in-process worker (idleMs ${IDLE_MS}), one tell add(1) per actor (${formatCount(IN_FLIGHT)} in flight, at most ${formatCount(BACKLOG)} ahead of the worker); measured once every actor had committed, gone idle and had its log stowed in its partition's log bucket, with the worker stopped.`,
    'total = Δ INFO used_memory / N, from a reading after connect and a one-actor warm-up worker (scripts and partition keys are the system’s, not the actors’); context = bytes of the log entries (an empty base and one segment each); beyond = total − context.',
    `Every actor checked: its log folds to count === 1 at seq === 1 (plus ref.read() on a sample); no mailbox, lock or history key left. Where the logs are: ${keys}.`,
    `"${SYSTEM_BARE}": the same log bytes RPUSHed under the same key names into a fresh Redis without Troupe: ` +
      results
        .map(
          ({ n, runs, bare }) =>
            `Troupe's total ${formatSigned(medianOf(runs, 'totalPerActor') - bare.perActor)} bytes/actor against it at ${shortCount(n)}`,
        )
        .join('; ') +
      ': what a key of its own per idle actor would cost.',
    `Key names carry the namespace (${String(last.detail.namespaceBytes)} bytes here, a generated one) and the id ("a-<n>"): each byte shorter or longer is about a byte per actor (in steps of the allocator's size classes).`,
    `Redis ${last.redisVersion}. Beyond the context: the actor key as a field of its log bucket, the entries' length prefixes and the bucket's listpack framing, the share of the bucket keys themselves (65,536 per namespace, ~${formatCount(Math.round(last.n / 65_536))} actors each at ${shortCount(last.n)}: at 10k most hold one actor), the actor's directory entry (its id and an empty record as a field of one of 16,384 directory buckets of its type, ~${formatCount(Math.round(last.n / 16_384))} actors each at ${shortCount(last.n)}: at 10k each bucket key is nearly an actor's own), and allocator rounding. A bucket stays a listpack up to hash-max-listpack-entries (128) fields of at most hash-max-listpack-value (64) bytes; a bigger stowed log turns its bucket into a hash table, which costs more per field.`,
  ];
  for (const { n, runs } of results) {
    const unstowed = Math.max(...runs.map((r) => r.unstowed));
    if (unstowed > 0) {
      notes.push(
        `${shortCount(n)}: ${formatCount(unstowed)} actors' logs were still in keys of their own when measured (not stowed yet); their bytes are in the figures.`,
      );
    }
  }
  return notes;
}

function formatSigned(v: number): string {
  const abs = Math.abs(v).toFixed(1);
  return abs === '0.0' ? '±0.0' : `${v > 0 ? '+' : '−'}${abs}`;
}

export const memory: Scenario = {
  name: 'memory',
  title: 'Redis bytes per idle actor',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const sizes = ctx.quick ? [10_000] : [10_000, 1_000_000];
    const results: SizeRuns[] = [];
    for (const n of sizes) {
      // Memory barely varies between runs; repeating a million actors would take minutes each.
      const repeat = n <= 10_000 && !ctx.quick ? ctx.runs : 1;
      const runs: SizeResult[] = [];
      for (let r = 0; r < repeat; r++) {
        const label = `memory, ${shortCount(n)} actors${repeat > 1 ? ` (run ${r + 1}/${repeat})` : ''}`;
        runs.push(await measureSize(ctx, n, label));
      }
      const bare = await measureBareList(ctx, n, runs[0]!.sampleLog, `memory, ${shortCount(n)} actors`);
      results.push({ n, runs, bare });
    }
    return {
      measurements: measurementsOf(results),
      targets: [targetOf(results)],
      notes: notesOf(results),
      // sender and worker share this process here; the window is the sends until every actor idled
      cpu: results.map(({ n, runs }) =>
        cpuRow(
          `${shortCount(n)} idle actors`,
          'troupe',
          runs.map((r) => r.cpu),
          true,
        ),
      ),
    };
  },
};
