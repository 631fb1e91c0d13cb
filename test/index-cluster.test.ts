/**
 * The directory and indexes on a real Redis Cluster (3 primaries): an actor's entries live in its
 * partition's slot, queries fan out over the partitions of every shard, and a reindex runs there
 * as on one Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../src/index.ts';
import { startPrivateCluster, type PrivateCluster } from '../tools/private-cluster.ts';
import { OrderV2 } from './fixtures/orders-v2.ts';
import { indexProperty } from './helpers/index-model.ts';
import { assertIndexesMatchContexts } from './helpers/indexes.ts';

let cluster: PrivateCluster;
before(async () => {
  cluster = await startPrivateCluster({ primaries: 3, replicas: 0 });
});
after(async () => {
  await cluster.stop();
});

describe('indexes on a Redis Cluster', () => {
  it('answer as the model does, and a reindex after a change of indexes matches the contexts', async () => {
    const troupe = await indexProperty({ cluster: cluster.seeds }, 11);
    const ns = troupe.namespace;
    // the shards each hold some of the entries
    const client = cluster.client();
    await client.ping();
    const holding = await Promise.all(
      client.nodes('master').map(async (node) => (await node.keys(`{troupe:${ns}:*}:ix:order:*`)).length),
    );
    assert.ok(holding.filter((n) => n > 0).length >= 2, `index keys per shard: ${holding.join(', ')}`);
    await troupe.close();

    const v2 = await connect({ redis: { cluster: cluster.seeds }, namespace: ns, actors: [OrderV2] });
    const done = await v2.actors(OrderV2).reindex();
    assert.deepEqual(done.removed, ['region']);
    assert.ok(done.actors > 0);
    await assertIndexesMatchContexts(v2, client, OrderV2);
    assert.equal(
      await v2.actors(OrderV2).count({ where: { big: true } }),
      await v2.actors(OrderV2).count({ where: { total: { gte: 100 } } }),
    );
    await v2.close();
    client.disconnect();
  });
});
