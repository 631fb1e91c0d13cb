import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, IndexRebuildingError, type Troupe, type Where } from '../src/index.ts';
import { Order, type OrderBase, type OrderSeg } from './fixtures/orders.ts';
import { OrderV2 } from './fixtures/orders-v2.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace } from './helpers/wait.ts';

// After `static indexes` change, `troupe reindex` must give the answers a system that had the new
// definitions from the start gives, and queries must refuse what is not complete yet.

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

type Op = [id: string, method: 'set' | 'close' | 'touch', seg?: OrderSeg];

/** A deterministic history of turns over 60 actors. */
function history(n: number, salt: number): Op[] {
  const statuses = ['open', 'late', 'paid'];
  return Array.from({ length: n }, (_, i): Op => {
    const id = `o${(i * 7 + salt) % 60}`;
    if (i % 17 === 5) return [id, 'close'];
    if (i % 13 === 3) return [id, 'touch'];
    return [id, 'set', { status: statuses[(i + salt) % 3]!, total: (i * 37) % 300, vip: i % 4 === 0 }];
  });
}

async function play(troupe: Troupe, cls: typeof OrderBase, ops: readonly Op[]): Promise<void> {
  await Promise.all(
    ops.map(([id, method, seg]) =>
      method === 'set' ? troupe.ref(cls, id).tell('set', seg!) : troupe.ref(cls, id).tell(method),
    ),
  );
}

async function committedAll(troupe: Troupe, cls: typeof OrderBase, ops: readonly Op[]): Promise<void> {
  // one ask per actor behind its mail: once every one answered, every earlier tell is committed
  const ids = [...new Set(ops.map(([id]) => id))];
  await Promise.all(ids.map((id) => troupe.ref(cls, id).ask('touch')));
}

const QUERIES: Where<typeof OrderV2>[] = [
  {},
  { status: 'LATE' },
  { status: 'late' },
  { total: { gte: 100, lt: 200 } },
  { big: true },
  { big: false, vip: true },
  { status: 'PAID', big: true },
];

async function answers(troupe: Troupe): Promise<unknown[]> {
  const orders = troupe.actors(OrderV2);
  const out: unknown[] = [];
  for (const where of QUERIES) {
    const ids: string[] = [];
    for await (const id of orders.ids({ where })) ids.push(id);
    out.push({ where, ids: ids.sort(), count: await orders.count({ where }) });
  }
  return out;
}

/** Namespace `ns` as the deploy found it: `ops` committed by a worker of the old class, stopped. */
async function beforeDeploy(ns: string, ops: readonly Op[]): Promise<void> {
  const v1 = await connect({ redis: redis.url, namespace: ns, actors: [Order], partitions: 4 });
  const w1 = await v1.work({ leaseMs: 2000 });
  await play(v1, Order, ops);
  await committedAll(v1, Order, ops);
  await w1.stop();
  await v1.close();
}

/** What a system that had the new definitions from the start answers, fed the same turns. */
async function freshAnswers(ops: readonly Op[]): Promise<unknown[]> {
  const fresh = await connect({
    redis: redis.url,
    namespace: uniqueNamespace('fresh'),
    actors: [OrderV2],
    partitions: 4,
  });
  try {
    await fresh.work({ leaseMs: 2000 });
    await play(fresh, OrderV2, ops);
    await committedAll(fresh, OrderV2, ops);
    return await answers(fresh);
  } finally {
    await fresh.close();
  }
}

describe('troupe reindex', () => {
  it('after a change of indexes, answers as a system that had them from the start, beside a running worker', async () => {
    const ns = uniqueNamespace('reindex');
    const before1 = history(300, 1);
    const during = history(200, 2);
    // the system the deploy happened to
    await beforeDeploy(ns, before1);
    const v2 = await connect({ redis: redis.url, namespace: ns, actors: [OrderV2], partitions: 4 });
    // the unchanged field is complete; the new one is refused until it is built
    assert.ok((await v2.actors(OrderV2).count({ where: { total: { gte: 0 } } })) > 0);
    await assert.rejects(
      v2.actors(OrderV2).count({ where: { big: true } }),
      (err: unknown) =>
        err instanceof IndexRebuildingError &&
        err.reason === 'unbuilt' &&
        /troupe reindex order/.test(err.message),
    );
    const w2 = await v2.work({ leaseMs: 2000 });
    const load = play(v2, OrderV2, during);
    const run = await runCli([
      '-r',
      redis.url,
      '-n',
      ns,
      'reindex',
      'order',
      '-a',
      'test/fixtures/orders-v2.ts',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /reindexed \d+ actor\(s\) of order in 4 partition\(s\): status, total, vip, big; deleted the region index/,
    );
    await load;
    await committedAll(v2, OrderV2, [...before1, ...during]);

    // the same turns on a system that had the new definitions from the start
    assert.deepEqual(await answers(v2), await freshAnswers([...before1, ...during]));
    // a deleted index leaves no key behind
    assert.equal((await redis.client().keys(`*ix:order:region*`)).filter((k) => k.includes(ns)).length, 0);
    await w2.stop();
    await v2.close();
  });

  it('stopped midway: queries say the index is being rebuilt, and a second run goes on where it stopped', async () => {
    const ns = uniqueNamespace('resume');
    const ops = history(200, 3);
    await beforeDeploy(ns, ops);
    const v2 = await connect({ redis: redis.url, namespace: ns, actors: [OrderV2], partitions: 4 });
    const seen: number[] = [];
    await assert.rejects(
      v2.actors(OrderV2).reindex({
        onProgress: (p) => {
          seen.push(p.partitions);
          if (p.partitions === 2) throw new Error('stopped');
        },
      }),
      /stopped/,
    );
    assert.deepEqual(seen, [1, 2]);
    await assert.rejects(
      v2.actors(OrderV2).count({ where: { status: 'OPEN' } }),
      (err: unknown) =>
        err instanceof IndexRebuildingError && err.reason === 'building' && err.fields.includes('status'),
    );
    // a query on the directory alone is not refused
    assert.ok((await v2.actors(OrderV2).count()) > 0);
    const run = await runCli([
      '-r',
      redis.url,
      '-n',
      ns,
      'reindex',
      'order',
      '-a',
      'test/fixtures/orders-v2.ts',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { resumed: boolean; partitions: number };
    assert.equal(result.resumed, true);
    assert.equal(result.partitions, 2, 'only the partitions left');
    assert.deepEqual(await answers(v2), await freshAnswers(ops));
    await v2.close();
  });

  it('refuses a reindex without the class, naming the fix', async () => {
    const troupe = await connect({ redis: redis.url, namespace: uniqueNamespace(), partitions: 4 });
    await assert.rejects(troupe.actors('order').reindex(), /needs its class/);
    const run = await runCli([
      '-r',
      redis.url,
      '-n',
      troupe.namespace,
      'reindex',
      'order',
      '-a',
      'test/fixtures/actors.ts',
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no actor class of type "order" in the --actors modules \(found: counter/);
    await troupe.close();
  });
});
