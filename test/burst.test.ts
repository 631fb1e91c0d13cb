import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Counter, Tape } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

it('troupe worker --burst handles every message already sent, then exits 0 by itself', async () => {
  const ns = uniqueNamespace();
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter, Tape], partitions: 8 });
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 2_000; i++) sends.push(troupe.ref(Counter, `c-${i % 50}`).tell('add', 1));
  for (let i = 0; i < 100; i++) sends.push(troupe.ref(Tape, 't-1').tell('push', i));
  await Promise.all(sends);

  const worker = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--burst']);
  assert.equal(await worker.exited(), 0, worker.output());
  assert.equal(worker.logs('burst: no mail left, stopping').length, 1, worker.output());

  for (let i = 0; i < 50; i++) assert.equal((await troupe.ref(Counter, `c-${i}`).read()).count, 40);
  assert.deepEqual((await troupe.ref(Tape, 't-1').read()).items, [...Array(100).keys()]);
  await troupe.close();
});
