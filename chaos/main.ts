/**
 * `npm run chaos`: a steady load over several `troupe worker` processes while faults are injected
 * (SIGKILL a worker, freeze one past its lease, restart Redis, poison and malformed messages), then
 * a check of every actor's context against exactly the messages whose send was confirmed.
 *
 *   npm run chaos                                  # 60 s, 3 workers, a random seed (printed)
 *   npm run chaos -- --seconds 30 --seed 42        # replay a fault schedule
 *   npm run chaos -- --seconds 8 --workers 2 --json report.json
 *   npm run chaos -- --cluster                     # on a 3+3 Redis Cluster: reshards and failovers too
 *
 * Always starts its own redis-server (AOF, appendfsync always), since it restarts it; REDIS_URL is
 * ignored. Exit code 0 on PASS, 1 on FAIL, 2 on bad flags or no redis-server.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { freshNamespace } from '../tools/namespace.ts';
import type { PrivateRedis } from '../tools/private-redis.ts';
import { ledgerOf, maxApplied, POOLS, type ChaosCtx } from './actors.ts';
import { allBadDeadLettered, checkContexts, checkDeadLetters, forwardsArrived } from './check.ts';
import { ChaosWorker, startDurableRedis, type WorkerLogStats } from './cluster.ts';
import {
  CLUSTER_FAULTS,
  FAULT_KINDS,
  FaultInjector,
  Rng,
  sleep,
  STANDALONE_FAULTS,
  type Fault,
  type FaultKind,
} from './faults.ts';
import { ClusterFaults, startChaosCluster } from './shards.ts';
import { actorId, connectClient, runSender, SendBook, sendFinalMarkers } from './load.ts';
import { formatReport, problemsOf, recoveryStats, type Report } from './report.ts';

const HELP = `Usage: npm run chaos -- [options]

  --seconds N          seconds of load and faults (default 60)
  --workers N          worker processes (default 3)
  --actors N           actors the load is spread over (default 50)
  --senders N          concurrent sender clients (default 4)
  --rate N             messages per second, all senders together (default 2000)
  --window N           tells in flight per sender (default 16)
  --lease-ms N         workers' partition lease (default 1000)
  --partitions N       partitions of the namespace (default 32)
  --fault-every MS     mean pause between faults (default 2500)
  --recover-timeout S  longest wait for the system to drain after the load (default 60)
  --seed N             seed of the fault schedule and the load's actor choices (default random)
  --cluster            run on a private Redis Cluster (3 primaries, 3 replicas, waitReplicas 1): the
                       faults then include reshards of 1,000 slots and SIGKILLed primaries (failover,
                       restart), and redis-cli --cluster check must pass at the end
  --json FILE          also write the report as JSON
  -h, --help           this text

Starts its own redis-server (AOF, appendfsync always), or cluster; REDIS_URL is ignored. Exit code
0 on PASS, 1 on FAIL.`;

function options() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      workers: { type: 'string', default: '3' },
      actors: { type: 'string', default: '50' },
      senders: { type: 'string', default: '4' },
      rate: { type: 'string', default: '2000' },
      window: { type: 'string', default: '16' },
      'lease-ms': { type: 'string', default: '1000' },
      partitions: { type: 'string', default: '32' },
      'fault-every': { type: 'string', default: '2500' },
      'recover-timeout': { type: 'string', default: '60' },
      seed: { type: 'string' },
      json: { type: 'string' },
      cluster: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name: Exclude<keyof typeof values, 'help' | 'json' | 'seed' | 'cluster'>) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) {
      console.error(`--${name} must be a positive whole number, got "${String(values[name])}"\n\n${HELP}`);
      process.exit(2);
    }
    return n;
  };
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) {
    console.error(`--seed must be a whole number >= 0, got "${String(values.seed)}"`);
    process.exit(2);
  }
  return {
    seconds: int('seconds'),
    workers: int('workers'),
    actors: int('actors'),
    senders: int('senders'),
    rate: int('rate'),
    window: int('window'),
    leaseMs: int('lease-ms'),
    partitions: int('partitions'),
    faultEvery: int('fault-every'),
    recoverTimeout: int('recover-timeout'),
    seed,
    json: values.json,
    cluster: values.cluster,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<number> {
  const opts = options();
  const cleanups: (() => Promise<unknown>)[] = [];
  // every step is bounded: a hung promise must not keep workers or Redis alive
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('a cleanup step took over 20 s; skipped')), 20_000);
        }),
      ])
        .catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`))
        .finally(() => clearTimeout(timer));
    }
  };
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // a second signal exits at once; the 'exit' hooks SIGKILL the workers and redis-server
      if (++signals > 1) process.exit(130);
      console.error(`\n${signal}: cleaning up (again to exit at once)`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  const flags = {
    seconds: opts.seconds,
    workers: opts.workers,
    actors: opts.actors,
    senders: opts.senders,
    rate: opts.rate,
    window: opts.window,
    'lease-ms': opts.leaseMs,
    partitions: opts.partitions,
    'fault-every': opts.faultEvery,
    ...(opts.cluster ? { cluster: '' } : {}),
  };
  console.log(
    `chaos: seed ${opts.seed}; replay with: npm run chaos -- --seed ${opts.seed} ` +
      Object.entries(flags)
        .map(([k, v]) => (v === '' ? `--${k}` : `--${k} ${v}`))
        .join(' '),
  );

  try {
    // 1. A private, durable Redis, or a private cluster.
    const namespace = freshNamespace('chaos');
    let redis: PrivateRedis | undefined;
    let shards: ClusterFaults | undefined;
    let url: string;
    try {
      if (opts.cluster) {
        const cluster = await startChaosCluster();
        cleanups.push(() => cluster.stop());
        shards = new ClusterFaults(cluster, new Rng(opts.seed + 100));
        url = cluster.seeds.join(',');
        // every client and worker process of the run reads it (chaos/load.ts, the CLI)
        process.env.TROUPE_WAIT_REPLICAS = '1';
        console.log(`redis cluster ${url} (3 primaries, 3 replicas; waitReplicas 1), namespace ${namespace}`);
      } else {
        const server = await startDurableRedis();
        redis = server;
        cleanups.push(() => server.stop());
        url = server.url;
        console.log(
          `redis-server ${url} (AOF, appendfsync always; dir ${server.dir}), namespace ${namespace}`,
        );
      }
    } catch (err) {
      console.error((err as Error).message);
      return 2;
    }
    const client = await connectClient(url, namespace, opts.partitions);
    cleanups.push(() => client.close());

    // 2. Worker processes.
    const stats: WorkerLogStats = { fenced: 0, warnings: 0, errors: 0 };
    const unexpectedExits: string[] = [];
    const pool: ChaosWorker[] = [];
    let spawned = 0;
    let shuttingDown = false;
    // workers alternate between the two pools, and a replacement serves its predecessor's
    const spawnWorker = async (served = POOLS[spawned % POOLS.length]!): Promise<ChaosWorker> => {
      const w = new ChaosWorker(`w${++spawned}`, served, url, namespace, opts.leaseMs, stats, (dead, why) => {
        if (shuttingDown) return;
        unexpectedExits.push(why);
        console.error(`\n${why}`);
        // keep the pool full (the run goes on, and the report fails), but never in a tight loop
        if (unexpectedExits.length <= opts.workers * 3) {
          void sleep(1000)
            .then(() => (shuttingDown ? undefined : replaceWorker(dead)))
            .catch(() => undefined);
        }
      });
      pool.push(w);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        w.ready,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`worker ${w.name} not ready within 30 s:\n${w.tail()}`)),
            30_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      return w;
    };
    const replaceWorker = async (old: ChaosWorker): Promise<ChaosWorker> => {
      const i = pool.indexOf(old);
      if (i >= 0) pool.splice(i, 1);
      return spawnWorker(old.pool);
    };
    process.once('exit', () => pool.forEach((w) => w.signal('SIGKILL')));
    const exitCodes: string[] = [];
    cleanups.push(async () => {
      shuttingDown = true;
      exitCodes.push(...(await Promise.all(pool.map((w) => w.stop()))));
    });
    const served = Array.from({ length: opts.workers }, (_, i) => POOLS[i % POOLS.length]!);
    console.log(
      `starting ${opts.workers} worker processes (--lease-ms ${opts.leaseMs}), serving pools ${served.join(', ')}`,
    );
    await Promise.all(Array.from({ length: opts.workers }, () => spawnWorker()));

    // 3. Watch every actor's context: applied count, and when each fault has recovered.
    const refs = Array.from({ length: opts.actors }, (_, i) => client.ref(ledgerOf(i), actorId(i)));
    let latest: ChaosCtx[] = refs.map(() => ({ count: 0, runs: {} }));
    const faults: Fault[] = [];
    const t0 = Date.now();
    const recovered = (f: Fault, ctxs: ChaosCtx[]) =>
      ctxs.every((ctx, a) => [...f.after].some(([s, after]) => maxApplied(ctx.runs[s]) >= after[a]!));
    const sample = async (): Promise<boolean> => {
      try {
        const ctxs = await Promise.all(refs.map((r) => r.read()));
        const at = Date.now() - t0;
        latest = ctxs;
        for (const f of faults) if (f.recoverMs === null && recovered(f, ctxs)) f.recoverMs = at - f.atMs;
        return true;
      } catch {
        return false; // Redis is down: try again at the next tick
      }
    };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        await sample();
        await sleep(250);
      }
    })();
    cleanups.push(async () => {
      watching = false;
      await watcher;
    });

    // 4. The load.
    const senders = Array.from({ length: opts.senders }, (_, i) => `s${i + 1}`);
    const book = new SendBook(senders, opts.actors, t0);
    let loadOn = true;
    let rejected = 0;
    const senderRuns = senders.map((name, i) =>
      runSender({
        url,
        namespace,
        name,
        book,
        rng: new Rng(opts.seed + 1 + i),
        rate: opts.rate / opts.senders,
        window: opts.window,
        stopped: () => !loadOn,
        onReject: () => rejected++,
      }),
    );
    cleanups.push(() => {
      loadOn = false;
      return Promise.allSettled(senderRuns);
    });

    // 5. The faults.
    const rng = new Rng(opts.seed);
    const injector = new FaultInjector(
      {
        url,
        redis,
        shards,
        client,
        actors: opts.actors,
        leaseMs: opts.leaseMs,
        workers: () => pool,
        replaceWorker,
        log: (line) => console.log(line),
      },
      rng,
    );
    cleanups.push(() => Promise.resolve(injector.close()));
    const bar = new SingleBar(
      {
        format:
          'chaos {bar} {value}/{total} s | confirmed {confirmed} | unconfirmed {unconfirmed} | applied {applied} | faults {faults} | {last}',
        noTTYOutput: true,
        notTTYSchedule: 2000,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    const applied = () => latest.reduce((s, c) => s + c.count, 0);
    let lastFault = '-';
    const tick = () =>
      bar.update(Math.min(opts.seconds, Math.floor((Date.now() - t0) / 1000)), {
        confirmed: fmt(book.confirmed),
        unconfirmed: fmt(book.unconfirmed),
        applied: fmt(applied()),
        faults: faults.length,
        last: lastFault,
      });
    bar.start(opts.seconds, 0, { confirmed: 0, unconfirmed: 0, applied: 0, faults: 0, last: '-' });
    const ticker = setInterval(tick, 500);
    cleanups.push(() => {
      clearInterval(ticker);
      bar.stop();
      return Promise.resolve();
    });

    const endAt = t0 + opts.seconds * 1000;
    let cycle: FaultKind[] = [];
    await sleep(Math.min(opts.faultEvery, endAt - Date.now()) / 2); // some load before the first fault
    while (Date.now() < endAt) {
      // every kind once per cycle; a cluster's run starts with a reshard and a failover, so even a
      // short run has both
      if (opts.cluster && faults.length === 0) cycle = rng.shuffle(['reshard', 'kill-primary'] as const);
      if (cycle.length === 0) cycle = rng.shuffle(opts.cluster ? CLUSTER_FAULTS : STANDALONE_FAULTS);
      const kind = cycle.shift()!;
      const fault: Fault = {
        kind,
        atMs: Date.now() - t0,
        detail: '',
        recoverMs: null,
        after: book.snapshotNext(),
      };
      faults.push(fault);
      lastFault = kind;
      fault.detail = await injector.inject(kind);
      console.log(`${(fault.atMs / 1000).toFixed(1).padStart(6)} s  ${kind}: ${fault.detail}`);
      const pause = rng.between(0.5, 1.5) * opts.faultEvery;
      await sleep(Math.min(pause, endAt - Date.now()));
    }
    loadOn = false;
    await Promise.all(senderRuns);
    tick();
    clearInterval(ticker);
    bar.stop();
    const loadSeconds = (Date.now() - t0) / 1000;

    // 6. Drain: one last confirmed message to every actor, then wait until every confirmed message
    // is applied and every confirmed bad message is dead-lettered.
    console.log(`load stopped after ${loadSeconds.toFixed(1)} s; ${faults.length} faults; draining...`);
    const drainStart = Date.now();
    const deadline = drainStart + opts.recoverTimeout * 1000;
    let drainMs: number | null = null;
    try {
      await sendFinalMarkers(url, namespace, senders[0]!, book, opts.recoverTimeout * 1000);
      for (;;) {
        const ok = await sample();
        if (ok) {
          const done =
            latest.every((ctx, a) =>
              senders.every((s) => maxApplied(ctx.runs[s]) >= book.lastConfirmed(s, a)),
            ) && forwardsArrived(senders, latest);
          if (done && allBadDeadLettered(injector.bad, await client.deadLetters.list({ limit: Infinity }))) {
            drainMs = Date.now() - drainStart;
            break;
          }
        }
        if (Date.now() > deadline) break;
        await sleep(250);
      }
    } catch (err) {
      console.error(`drain: ${(err as Error).message}`);
    }
    watching = false;
    await watcher;

    // 7. Check, stop the workers, report.
    await sample();
    const contexts = await Promise.all(refs.map((r) => r.read()));
    const check = checkContexts(book, contexts);
    const dead = checkDeadLetters(injector.bad, await client.deadLetters.list({ limit: Infinity }));
    shuttingDown = true;
    exitCodes.push(...(await Promise.all(pool.map((w) => w.stop()))));
    pool.length = 0;

    if (book.hung) {
      console.error(`\n${book.hung} tell(s) hung, e.g.:\n  ${book.hungExamples.join('\n  ')}`);
    }
    const faultLog = faults.map((f) => ({
      kind: f.kind,
      atMs: f.atMs,
      detail: f.detail,
      recoverMs: f.recoverMs,
    }));
    const counts = Object.fromEntries(
      FAULT_KINDS.map((k) => [k, faults.filter((f) => f.kind === k).length]),
    ) as Record<FaultKind, number>;
    const base: Omit<Report, 'problems' | 'pass'> = {
      seed: opts.seed,
      flags,
      loadSeconds: Math.round(loadSeconds * 10) / 10,
      faults: counts,
      faultLog,
      recovery: recoveryStats(faultLog),
      messages: {
        confirmed: book.confirmed,
        unconfirmed: book.unconfirmed,
        hung: book.hung,
        applied: check.applied,
        forwarded: check.forwarded,
        appliedUnconfirmed: check.appliedUnconfirmed,
      },
      lost: check.lost,
      duplicated: check.duplicated,
      outOfOrder: check.outOfOrder,
      phantom: check.phantom,
      deadLetters: dead,
      drainMs,
      workers: {
        fencedCommits: stats.fenced,
        warnings: stats.warnings,
        errors: stats.errors,
        unexpectedExits,
        exitCodes,
      },
      examples: [...check.examples, ...dead.examples, ...book.hungExamples.map((e) => `hung: ${e}`)],
    };
    const problems = problemsOf(base, check);
    if (shards) {
      const checked = await shards.check();
      console.log(`redis-cli --cluster check: ${checked.ok ? 'OK' : 'FAILED'}\n${checked.out}`);
      if (!checked.ok) problems.push(`redis-cli --cluster check failed:\n${checked.out}`);
      for (const kind of ['reshard', 'kill-primary'] as const) {
        if (counts[kind] === 0)
          problems.push(`no ${kind} happened: run longer (--seconds) or fault more often`);
      }
    }
    for (const c of exitCodes)
      if (c !== '0') problems.push(`a worker did not stop gracefully: ${c.split('\n')[0]}`);
    const report: Report = { ...base, problems, pass: problems.length === 0 };

    console.log('\nfaults:');
    for (const f of faultLog) {
      console.log(
        `  ${(f.atMs / 1000).toFixed(1).padStart(6)} s  ${f.kind.padEnd(14)} recovered ${f.recoverMs === null ? 'never' : `${f.recoverMs} ms`}  ${f.detail}`,
      );
    }
    console.log(formatReport(report));
    if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
    return report.pass ? 0 : 1;
  } catch (err) {
    console.error(`\nFAIL: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
// Everything is stopped and closed by now. Should a connection still hold the event loop (a cluster
// client reconnecting to a node that went away has done so), say what it is and exit all the same:
// the verdict is in, and a run must end.
setTimeout(() => {
  console.error(
    `chaos: still running after cleanup, exiting: ${process.getActiveResourcesInfo().join(', ')}`,
  );
  process.exit();
}, 5_000).unref();
