/**
 * claim.lua takes mail only from the mailboxes the worker names (hints); an actor popped without a
 * hint is claimed anyway and its mail read by a plain LRANGE. These cover the paths hints do not:
 * mail whose wake named no actor (an older sender's '1'), and a ready entry whose mailbox is empty.
 */
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { connect, partitionOf, type Troupe } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

const PARTITIONS = 4;
let redis: TestRedis;
let raw: Redis;
let troupe: Troupe;

before(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
  troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace('hint'),
    actors: [Counter],
    partitions: PARTITIONS,
  });
});
after(async () => {
  await troupe.close();
  raw.disconnect();
  await redis.stop();
});

it('handles mail the worker had no hint for, and releases a ready actor whose mailbox is empty', async () => {
  const k = troupe.keys;
  // mail queued before any worker runs: the first claims have no hint for these actors
  const refs = ['u-1', 'u-2', 'u-3'].map((id) => troupe.ref(Counter, id));
  for (const r of refs) await r.tell('add', 2);
  // an actor on the ready queue with no mail at all, and a wake with no actor named
  const ghost = 'counter/ghost';
  const p = partitionOf('counter', 'ghost', PARTITIONS);
  await raw.rpush(k.ready(p), ghost);
  await raw.rpush(k.wake(p), '1');

  const worker = await troupe.work({ leaseMs: 2000 });
  for (const r of refs) await waitFor('the unhinted mail handled', async () => (await r.read()).count === 2);
  await waitFor('the empty actor released', async () => {
    const [ready, running] = await Promise.all([raw.lrange(k.ready(p), 0, -1), raw.hkeys(k.running(p))]);
    return !ready.includes(ghost) && !running.includes(ghost);
  });
  // and it is served as usual afterwards
  const g = troupe.ref(Counter, 'ghost');
  await g.tell('add', 5);
  await waitFor('the ghost served', async () => (await g.read()).count === 5);
  await worker.stop();
});
