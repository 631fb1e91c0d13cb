import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Order, type OrderCtx, type OrderSeg } from './fixtures/orders.ts';
import { assertIndexesMatchContexts } from './helpers/indexes.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

// A worker SIGKILLed between its turns and their commits: what it ran and did not commit is run
// again by the next one, and no index entry is ever left without the state it stands for.

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const ACTORS = 30;
const MESSAGES = 600;
const STATUSES = ['open', 'late', 'paid'];

it('a SIGKILL between turns and commits leaves every index entry with its state', async () => {
  const ns = uniqueNamespace('index-crash');
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Order], partitions: 8 });
  const flags = ['--lease-ms', '1500', '--batch-size', '4'];
  const a = await spawnWorker(redis.url, ns, './test/fixtures/orders.ts', flags);
  const model = new Map<string, OrderCtx>();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const id = `o${(i * 11) % ACTORS}`;
    const ref = troupe.ref(Order, id);
    const ctx = model.get(id) ?? new Order().initial();
    if (i % 9 === 4) {
      sends.push(ref.tell('close'));
      model.set(id, new Order().initial());
    } else {
      const seg: OrderSeg = { status: STATUSES[i % 3]!, total: (i * 13) % 200, vip: i % 2 === 0 };
      sends.push(i % 5 === 0 ? ref.tell('slowSet', seg, 20) : ref.tell('set', seg));
      model.set(id, { ...ctx, ...seg });
    }
  }
  await Promise.all(sends);
  await waitFor('some committed', async () => (await troupe.actors(Order).count()) >= 10);
  a.proc.kill('SIGKILL');
  await a.exited();
  const b = await spawnWorker(redis.url, ns, './test/fixtures/orders.ts', flags);
  // behind every actor's mail: once each answers, all it was sent is committed
  const final = await Promise.all([...model.keys()].map((id) => troupe.ref(Order, id).ask('get')));
  assert.deepEqual(final, [...model.values()], 'each context is its messages applied once, in order');
  const listed: string[] = [];
  for await (const id of troupe.actors(Order).ids()) listed.push(id);
  assert.deepEqual(listed.sort(), [...model.keys()].sort());
  await assertIndexesMatchContexts(troupe, redis.client(), Order);
  for (const status of STATUSES) {
    const want = [...model].filter(([, c]) => c.status === status).length;
    assert.equal(await troupe.actors(Order).count({ where: { status } }), want, status);
  }
  await b.terminate();
  await troupe.close();
});
