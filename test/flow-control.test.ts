// static concurrency and static rateLimit over two real worker processes: the limits hold across
// workers, are reached, do not slow other types, and a SIGKILLed worker's slots run out with its
// lease. Starts and ends are the workers' clocks (one machine); the limits are kept on Redis's.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, type Troupe } from '../src/index.ts';
import { Free, Mailer, Report } from './fixtures/limited-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { maxOverlap } from './helpers/overlap.ts';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';

const FIXTURE = 'test/fixtures/limited-actors.ts';
const LEASE_MS = 2_000;

let redis: TestRedis;
const workers: WorkerProcess[] = [];
const clients: Troupe[] = [];

before(async () => {
  redis = await startRedis();
});

after(async () => {
  for (const w of workers) w.proc.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited()));
  await Promise.all(clients.map((c) => c.close()));
  await redis.stop();
});

async function system(names: string[]): Promise<{ ns: string; troupe: Troupe; procs: WorkerProcess[] }> {
  const ns = uniqueNamespace('flow');
  const troupe = await connect({
    redis: redis.url,
    namespace: ns,
    actors: [Report, Mailer, Free],
    partitions: 8,
  });
  clients.push(troupe);
  const procs: WorkerProcess[] = [];
  for (const name of names) {
    const w = await spawnWorker(redis.url, ns, FIXTURE, ['--name', name, '--lease-ms', String(LEASE_MS)]);
    workers.push(w);
    procs.push(w);
  }
  return { ns, troupe, procs };
}

async function runsOf(troupe: Troupe, cls: typeof Report | typeof Mailer | typeof Free, ids: string[]) {
  const ctxs = await Promise.all(ids.map((id) => troupe.ref(cls, id).read()));
  return ctxs.flatMap((c) => c.runs);
}

it('concurrency = 3 over two workers never exceeds 3 turns at once, reaches 3, and does not slow other types', async () => {
  const { troupe } = await system(['fc-a', 'fc-b']);
  const ids = Array.from({ length: 12 }, (_, i) => `r-${i}`);
  for (const id of ids) await troupe.ref(Report, id).tell('work', 300);
  const free = Array.from({ length: 20 }, (_, i) => `f-${i}`);
  for (const id of free) await troupe.ref(Free, id).tell('ping');
  await waitFor('the free pings', async () => (await runsOf(troupe, Free, free)).length === 20);
  const reportsWhenFreeDone = (await runsOf(troupe, Report, ids)).length;
  assert.ok(reportsWhenFreeDone < ids.length, 'the pings did not wait for the limited reports');

  await waitFor(
    'every report',
    async () => (await runsOf(troupe, Report, ids)).length === ids.length,
    30_000,
  );
  const runs = await runsOf(troupe, Report, ids);
  assert.equal(maxOverlap(runs), 3, `at most 3 at once, and 3 reached: ${JSON.stringify(runs)}`);
});

it('rateLimit = 5 per 500 ms over two workers never starts more than 5 in a window', async () => {
  const { troupe } = await system(['rl-a', 'rl-b']);
  const ids = Array.from({ length: 20 }, (_, i) => `m-${i}`);
  const sent = Date.now();
  for (const id of ids) await troupe.ref(Mailer, id).tell('deliver');
  await waitFor('every mail', async () => (await runsOf(troupe, Mailer, ids)).length === ids.length, 30_000);
  const starts = (await runsOf(troupe, Mailer, ids)).map(([s]) => s).sort((a, b) => a - b);
  // the limit counts starts on Redis's clock when they are granted; a handler starts a few ms
  // after its grant, so the windows checked here are 40 ms short of 500
  for (let i = 0; i + 5 < starts.length; i++) {
    assert.ok(starts[i + 5]! - starts[i]! >= 460, `6 starts within ${starts[i + 5]! - starts[i]!} ms`);
  }
  assert.ok(starts.at(-1)! - sent >= 1_400, '20 starts at 5 per 500 ms take at least 3 windows');
});

it('a worker killed while holding concurrency slots gives them back within its lease', async () => {
  const { troupe, procs } = await system(['kc-a']);
  const until = Date.now() + 6_000;
  const held = ['h-0', 'h-1', 'h-2'];
  for (const id of held) await troupe.ref(Report, id).tell('holdUntil', until);
  const slots = troupe.keys.limit('report');
  const redisNow = async () => {
    const [s, us] = await redis.client().time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  };
  await waitFor(
    'three slots held',
    async () => (await redis.client().zcount(slots, String(await redisNow()), '+inf')) === 3,
  );

  procs[0]!.proc.kill('SIGKILL');
  const killedAt = await redisNow();
  const expiries = (await redis.client().zrange(slots, '0', '-1', 'WITHSCORES'))
    .filter((_, i) => i % 2 === 1)
    .map(Number);
  assert.equal(expiries.length, 3);
  for (const e of expiries)
    assert.ok(e <= killedAt + LEASE_MS + 100, `a slot lasts ${e - killedAt} ms after the kill`);

  // a new worker takes the partitions once the lease is out, and the slots with them
  workers.push(
    await spawnWorker(redis.url, troupe.namespace, FIXTURE, [
      '--name',
      'kc-b',
      '--lease-ms',
      String(LEASE_MS),
    ]),
  );
  const fresh = ['n-0', 'n-1', 'n-2'];
  for (const id of fresh) await troupe.ref(Report, id).tell('work', 10);
  await waitFor(
    'every report',
    async () => (await runsOf(troupe, Report, [...held, ...fresh])).length === 6,
    30_000,
  );
  assert.ok(maxOverlap(await runsOf(troupe, Report, [...held, ...fresh])) <= 3);
});

it('troupe.work({ limits }) overrides a class’s limits; bad limits are a ConfigError naming the field', async () => {
  const ns = uniqueNamespace('flow-o');
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Report], partitions: 4 });
  clients.push(troupe);
  await assert.rejects(
    troupe.work({ limits: { report: { rateLimit: { turns: 0, perMs: 1000 } } } }),
    /work\(\{ limits \}\)\.report: rateLimit must be \{ turns, perMs \}, whole numbers >= 1/,
  );
  await assert.rejects(
    troupe.work({ limits: { report: { concurrency: 1.5 } } }),
    /concurrency must be a whole number >= 1/,
  );
  class Bad extends Report {
    static override type = 'bad-report';
    static override concurrency = 0;
  }
  assert.throws(() => troupe.ref(Bad, 'b-1'), /bad-report: static concurrency must be a whole number >= 1/);

  const worker = await troupe.work({ name: 'flow-o', limits: { report: { concurrency: 1 } } });
  try {
    const ids = ['o-0', 'o-1', 'o-2', 'o-3'];
    for (const id of ids) await troupe.ref(Report, id).tell('work', 100);
    await waitFor('every report', async () => (await runsOf(troupe, Report, ids)).length === 4);
    assert.equal(maxOverlap(await runsOf(troupe, Report, ids)), 1, 'one at a time');
  } finally {
    await worker.stop();
  }
});

it('actors of a limited type get their slots in the order they first asked', async () => {
  // one partition: the actors are claimed, and so first ask, in the order their mail came
  const ns = uniqueNamespace('flow-q');
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Report], partitions: 1 });
  clients.push(troupe);
  const worker = await troupe.work({ name: 'flow-q', limits: { report: { concurrency: 1 } } });
  try {
    const ids = Array.from({ length: 6 }, (_, i) => `q-${i}`);
    for (const id of ids) await troupe.ref(Report, id).tell('work', 60);
    await waitFor('every report', async () => (await runsOf(troupe, Report, ids)).length === ids.length);
    const starts = await Promise.all(
      ids.map(async (id) => (await troupe.ref(Report, id).read()).runs[0]![0]),
    );
    assert.deepEqual(
      [...starts].sort((a, b) => a - b),
      starts,
      `started in the order they asked: ${JSON.stringify(starts)}`,
    );
  } finally {
    await worker.stop();
  }
});

it('a type with both limits keeps both: at most 2 at once and 3 starts per 500 ms', async () => {
  const ns = uniqueNamespace('flow-both');
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Report], partitions: 4 });
  clients.push(troupe);
  const limits = { report: { concurrency: 2, rateLimit: { turns: 3, perMs: 500 } } };
  const worker = await troupe.work({ name: 'flow-both', limits });
  try {
    const ids = Array.from({ length: 9 }, (_, i) => `b-${i}`);
    for (const id of ids) await troupe.ref(Report, id).tell('work', 120);
    await waitFor('every report', async () => (await runsOf(troupe, Report, ids)).length === ids.length);
    const runs = await runsOf(troupe, Report, ids);
    assert.equal(maxOverlap(runs), 2, 'two at once, never three');
    const starts = runs.map(([s]) => s).sort((a, b) => a - b);
    // as above: granted on Redis's clock, started a few ms later
    for (let i = 0; i + 3 < starts.length; i++) {
      assert.ok(starts[i + 3]! - starts[i]! >= 460, `4 starts within ${starts[i + 3]! - starts[i]!} ms`);
    }
  } finally {
    await worker.stop();
  }
});
