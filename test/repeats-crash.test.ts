// A repeat keeps its cadence through a SIGKILL of the worker process that held it: the survivor
// takes the partition once the lease runs out, fires what fell due once, and goes on; cancel stops it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, type Troupe } from '../src/index.ts';
import { Ticker } from './fixtures/repeat-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';

const FIXTURE = 'test/fixtures/repeat-actors.ts';
const LEASE_MS = 2_000;
const EVERY_MS = 200;

let redis: TestRedis;
let troupe: Troupe;
let ns: string;
const workers: WorkerProcess[] = [];

before(async () => {
  redis = await startRedis();
  ns = uniqueNamespace('rep-crash');
  troupe = await connect({ redis: redis.url, namespace: ns, actors: [Ticker], partitions: 4 });
  for (const name of ['rc-a', 'rc-b']) {
    workers.push(await spawnWorker(redis.url, ns, FIXTURE, ['--name', name, '--lease-ms', String(LEASE_MS)]));
  }
});

after(async () => {
  for (const w of workers) w.proc.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited()));
  await troupe.close();
  await redis.stop();
});

/** The times the worker stamped on the actor's tick segments, oldest first. */
async function tickTimes(): Promise<number[]> {
  const r = await troupe.admin.inspect('ticker', 'cadence', { last: 10_000 });
  return r.last.map((s) => s.ts!).filter((ts) => ts > 0);
}

it('fires every 200 ms through a SIGKILL of its worker, with one gap of at most the lease plus a second', async () => {
  const t = troupe.ref(Ticker, 'cadence');
  await t.ask('start', EVERY_MS);
  await waitFor('five ticks', async () => (await t.read()).ticks >= 5);

  const { partition } = await troupe.admin.inspect('ticker', 'cadence');
  const owner = (await troupe.admin.info()).partitionList[partition]!.owner;
  const victim = workers.find((w) => w.logs('worker ready')[0]?.worker === owner);
  assert.ok(victim, `the owner ${owner} is one of the spawned workers`);
  const before = (await t.read()).ticks;
  victim.proc.kill('SIGKILL');
  assert.equal(await victim.exited(), null, 'it died of SIGKILL');
  await waitFor('ten ticks after the kill', async () => (await t.read()).ticks >= before + 10, 30_000);

  await t.ask('stop');
  assert.deepEqual(await t.schedules(), []);
  const stopped = (await t.read()).ticks;
  await new Promise((r) => setTimeout(r, 3 * EVERY_MS));
  assert.ok((await t.read()).ticks <= stopped + 1, 'no firing after cancel but one already delivered');

  const times = await tickTimes();
  const gaps = times.slice(1).map((ts, i) => ts - times[i]!);
  const long = gaps.filter((g) => g > 1_000);
  assert.ok(long.length <= 1, `one long gap at most (the takeover): ${JSON.stringify(long)}`);
  assert.ok(
    Math.max(...gaps) <= LEASE_MS + 1_000 + EVERY_MS,
    `the takeover gap ${Math.max(...gaps)} ms is within the lease (${LEASE_MS} ms) plus a second`,
  );
  assert.ok(times.length >= 15, `${times.length} firings`);
});
