import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Holder } from './fixtures/slow-actors.ts';
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

it('refuses the commits of a worker frozen past its lease, and applies nothing twice', async () => {
  const ns = uniqueNamespace('fence');
  const client = await connect({ redis: redis.url, namespace: ns, actors: [Holder], partitions: 4 });
  const lease = ['--lease-ms', '1000'];
  const a = await spawnWorker(redis.url, ns, './test/fixtures/slow-actors.ts', lease);
  const x = client.ref(Holder, 'x');

  // A starts a turn that waits, and is frozen in the middle of it
  await x.tell('hold', 1, 1500);
  await waitFor('A inside the turn', () => a.output().includes(`HOLD-START x ${a.pid}`));
  a.proc.kill('SIGSTOP');

  // B takes over once A's lease expires, runs the same message again and commits it
  const b = await spawnWorker(redis.url, ns, './test/fixtures/slow-actors.ts', lease);
  await waitFor('B ran the turn', () => b.output().includes(`HOLD-START x ${b.pid}`));
  await waitFor('B committed', async () => (await x.read()).count === 1);
  await x.tell('add', 10);
  await waitFor('B applied more mail', async () => (await x.read()).count === 11);

  // A wakes up and tries to commit its stale turn: Redis refuses it on the epoch
  a.proc.kill('SIGCONT');
  await waitFor('A fenced', () => a.logs('commit refused: fenced').length > 0);

  // the registry saw it die (B's heartbeat) and come back (its own)
  const [aName, bName] = [`${hostname()}:${a.pid}`, `${hostname()}:${b.pid}`];
  await waitFor('A back in the registry', async () =>
    (await client.admin.workerEvents(50)).some((e) => e.event === 'returned' && e.worker === aName),
  );
  const events = await client.admin.workerEvents(50);
  assert.ok(events.some((e) => e.event === 'expired' && e.worker === aName));
  await waitFor('both listed', async () => (await client.admin.workers()).length === 2);
  assert.deepEqual((await client.admin.workers()).map((w) => w.name).sort(), [aName, bName].sort());

  // the system goes on with both workers, and the held message counts once
  for (let i = 0; i < 20; i++) await x.tell('add', 100);
  await waitFor('later mail applied', async () => (await x.read()).count === 2011);
  const ctx = await x.read();
  assert.equal(ctx.count, 2011);
  assert.equal(new Set(ctx.ids).size, ctx.ids.length, 'no message id applied twice');
  assert.equal(ctx.ids.length, 22);

  a.proc.kill('SIGTERM');
  b.proc.kill('SIGTERM');
  assert.equal(await a.exited(), 0);
  assert.equal(await b.exited(), 0);
  await client.close();
});
