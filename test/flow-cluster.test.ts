// Flow control and repeats on a real Redis Cluster (3 primaries): one type's actors spread over
// every shard, its concurrency slots in the namespace's slot hold across all of them, and repeats
// fire from each actor's partition as on one Redis.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, type Troupe, type Worker } from '../src/index.ts';
import { startPrivateCluster, type PrivateCluster } from '../tools/private-cluster.ts';
import { Report } from './fixtures/limited-actors.ts';
import { Ticker } from './fixtures/repeat-actors.ts';
import { maxOverlap } from './helpers/overlap.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let cluster: PrivateCluster;
const clients: Troupe[] = [];
const workers: Worker[] = [];

before(async () => {
  cluster = await startPrivateCluster({ primaries: 3, replicas: 0 });
});

after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(clients.map((c) => c.close()));
  await cluster.stop();
});

it('concurrency = 3 holds over two workers and three shards; a repeat fires on the cluster', async () => {
  const ns = uniqueNamespace('flow-c');
  for (let i = 0; i < 2; i++) {
    const t = await connect({
      redis: { cluster: cluster.seeds },
      namespace: ns,
      actors: [Report, Ticker],
      partitions: 12,
    });
    clients.push(t);
    workers.push(await t.work({ name: `fcc-${i}` }));
  }
  const troupe = clients[0]!;
  const ids = Array.from({ length: 12 }, (_, i) => `r-${i}`);
  for (const id of ids) await troupe.ref(Report, id).tell('work', 200);
  const tick = troupe.ref(Ticker, 'on-cluster');
  await tick.ask('start', 100);

  const runs = async () =>
    (await Promise.all(ids.map((id) => troupe.ref(Report, id).read()))).flatMap((c) => c.runs);
  await waitFor('every report', async () => (await runs()).length === ids.length, 30_000);
  assert.equal(maxOverlap(await runs()), 3);

  await waitFor('three ticks', async () => (await tick.read()).ticks >= 3);
  await tick.ask('stop');
  assert.deepEqual(await tick.schedules(), []);
});
