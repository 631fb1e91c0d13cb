import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Keys } from '../src/redis/keys.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { encodeCommit } from '../src/runtime/commit-encoding.ts';
import { emptyItem } from '../src/runtime/commit-item.ts';
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

  // A wakes up with its stale turn done: Redis refuses its commit on the epoch, or A learns first
  // (a claim or a lease renewal refused) and never sends it; either way nothing of it lands
  a.proc.kill('SIGCONT');
  await waitFor(
    'A fenced',
    () => a.logs('commit refused: fenced').length > 0 || a.logs('partition lost').length > 0,
  );

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

it('commit.lua writes nothing for a worker whose epoch is stale, and commits at the current one', async () => {
  const client = redis.client();
  const scripted = withScripts(client);
  const keys = new Keys(uniqueNamespace('fence-lua'));
  const akey = 'holder/y';
  await client.set(keys.owner(0), 'w-1');
  await client.set(keys.epoch(0), '2');
  await client.rpush(keys.mailbox(0, akey), 'envelope');
  await client.hset(keys.running(0), akey, 'tok');
  const item = emptyItem(akey, 'tok', 1, 0);
  item.segments = [Buffer.from('segment')];
  const commit = (epoch: number) => {
    const call = encodeCommit(keys, 4, 0, 'w-1', epoch, 60_000, [item]);
    return scripted.run('commit', call.keys, call.args);
  };

  assert.equal(await commit(1), -1, 'fenced');
  assert.equal(await client.exists(keys.log(0, akey)), 0, 'no segment written');
  assert.equal(await client.llen(keys.mailbox(0, akey)), 1, 'the mail stays');
  assert.equal(await client.hget(keys.running(0), akey), 'tok', 'still claimed');

  assert.notEqual(await commit(2), -1);
  assert.deepEqual(await client.lrange(keys.log(0, akey), 0, -1), ['', 'segment']);
  assert.equal(await client.exists(keys.mailbox(0, akey)), 0, 'the handled mail is gone');
  assert.equal(await client.hget(keys.running(0), akey), null);
});
