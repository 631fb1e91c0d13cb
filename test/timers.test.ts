import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Counter, Reminder } from './fixtures/actors.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

it('fires this.schedule timers when the injected clock reaches them, not before', async () => {
  const clock = new FakeClock();
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Reminder],
    partitions: 4,
    clock,
  });
  const worker = await troupe.work({ leaseMs: 60_000 });
  const r = troupe.ref(Reminder, 'r-1');
  await r.ask('start', 60_000, 'a minute');
  await r.ask('start', 1_000, 'a second');
  clock.advance(999);
  // a turn after the advance proves the worker had its chance to fire
  await r.ask('start', 120_000, 'later');
  assert.deepEqual((await r.read()).rung, []);
  clock.advance(1);
  await waitFor('a second rang', async () => (await r.read()).rung.length === 1);
  clock.advance(59_000);
  await waitFor('a minute rang', async () => (await r.read()).rung.length === 2);
  assert.deepEqual((await r.read()).rung, ['a second', 'a minute']);
  assert.equal(worker.stats().timersFired, 2);
  await troupe.close();
});

it('delivers a delayed tell from a client when due', async () => {
  const clock = new FakeClock();
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Counter],
    partitions: 4,
    clock,
  });
  const worker = await troupe.work({ leaseMs: 60_000 });
  const c = troupe.ref(Counter, 'later');
  await c.tellLater(10_000, 'add', 5);
  await c.tell('add', 1);
  assert.equal(await c.ask('value'), 1);
  // the worker learns of the delayed tell through the partition's timer signal
  await waitFor('timer armed', () => {
    clock.advance(10_000);
    return worker.stats().timersFired === 1;
  });
  await waitFor('delivered', async () => (await c.read()).count === 6);
  await troupe.close();
});

it('fires a timer whose worker was killed, once, from the worker that takes over', async () => {
  const ns = uniqueNamespace('timer-crash');
  const client = await connect({ redis: redis.url, namespace: ns, actors: [Reminder], partitions: 4 });
  const lease = ['--lease-ms', '1000'];
  const a = await spawnWorker(redis.url, ns, './test/fixtures/actors.ts', lease);
  const r = client.ref(Reminder, 'crash');
  await r.ask('start', 1500, 'after the crash');
  a.proc.kill('SIGKILL');
  const b = await spawnWorker(redis.url, ns, './test/fixtures/actors.ts', lease);
  await waitFor('rang after takeover', async () => (await r.read()).rung.length === 1);
  await r.ask('start', 0, 'probe');
  await waitFor('probe rang', async () => (await r.read()).rung.length === 2);
  assert.deepEqual((await r.read()).rung, ['after the crash', 'probe']);
  b.proc.kill('SIGTERM');
  assert.equal(await b.exited(), 0);
  await client.close();
});
