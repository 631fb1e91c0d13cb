import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from '../src/protocol/partition.ts';
import { Placement } from '../src/protocol/placement.ts';
import { assignPartitions, assignPools } from '../src/runtime/assignment.ts';

const meta = {
  partitions: '8',
  layout: '3',
  'pool:critical': '8 16',
  'pool:bulk': '24 4',
  'type:payment': 'critical',
  'type:report': 'bulk',
  'type:counter': 'default',
};

describe('placement', () => {
  const placement = Placement.fromMeta(meta);

  it('reads the pools and types of a meta hash', () => {
    assert.deepEqual(
      placement.pools.map((r) => [r.name, r.first, r.count]),
      [
        ['default', 0, 8],
        ['critical', 8, 16],
        ['bulk', 24, 4],
      ],
    );
    assert.equal(placement.total, 28);
    assert.deepEqual(Object.fromEntries(placement.typesByPool()), {
      critical: ['payment'],
      bulk: ['report'],
      default: ['counter'],
    });
  });

  it('puts an actor in its type’s pool: first + crc32 mod count; an unplaced type in the default pool', () => {
    const crc = (s: string) => crc32(new TextEncoder().encode(s));
    assert.equal(placement.partitionOf('payment', 'p-1'), 8 + (crc('payment/p-1') % 16));
    assert.equal(placement.partitionOf('report', 'r-1'), 24 + (crc('report/r-1') % 4));
    assert.equal(placement.partitionOf('unplaced', 'u-1'), crc('unplaced/u-1') % 8);
    for (let i = 0; i < 50; i++) {
      const p = placement.partitionOf('payment', `p-${i}`);
      assert.equal(placement.rangeOf(p).name, 'critical');
      assert.equal(placement.countAt(p), 16);
    }
  });
});

describe('assignment over pools', () => {
  const placement = Placement.fromMeta(meta);

  it('spreads each pool over the workers that serve it, and only them', () => {
    const served = new Map([
      ['a', ['critical']],
      ['b', ['critical', 'default']],
      ['c', ['default', 'bulk']],
    ]);
    const out = assignPools(placement.pools, served);
    const poolOf = (p: number) => placement.rangeOf(p).name;
    for (const [w, ps] of out)
      for (const p of ps) assert.ok(served.get(w)!.includes(poolOf(p)), `${w} got ${p}`);
    const all = [...out.values()].flat().sort((x, y) => x - y);
    assert.deepEqual(all, [...Array(28).keys()], 'every partition once');
    assert.equal(out.get('a')!.length, 8, 'half of critical');
    assert.equal(out.get('c')!.filter((p) => poolOf(p) === 'bulk').length, 4, 'all of bulk');
  });

  it('gives the default pool the assignment it had before pools', () => {
    const before = assignPartitions(8, ['x', 'y']);
    const now = assignPools(
      [{ name: 'default', first: 0, count: 8 }],
      new Map([
        ['x', ['default']],
        ['y', ['default']],
      ]),
    );
    assert.deepEqual(now, before);
  });
});
