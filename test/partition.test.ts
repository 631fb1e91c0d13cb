import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionOf } from '../src/index.ts';
import { crc32 } from '../src/protocol/partition.ts';
import { assignPartitions } from '../src/runtime/assignment.ts';

describe('partition function', () => {
  it('is IEEE CRC-32 of "<type>/<id>" in UTF-8, mod P (vectors from Python zlib.crc32)', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(partitionOf('counter', 'c-1', 64), 4247806849 % 64);
    assert.equal(partitionOf('order', '42', 64), 1416876720 % 64);
    assert.equal(partitionOf('ledger', 'l0', 64), 3795393061 % 64);
    assert.equal(partitionOf('counter', 'ü-1', 64), 1314126589 % 64);
    assert.equal(partitionOf('a', 'b', 7), 133447708 % 7);
  });
});

describe('partition assignment', () => {
  it('gives every partition to exactly one worker, evenly', () => {
    for (const workers of [['w1'], ['w1', 'w2'], ['a', 'b', 'c'], ['x1', 'x2', 'x3', 'x4', 'x5']]) {
      const out = assignPartitions(64, workers);
      const all = [...out.values()].flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: 64 }, (_, i) => i),
      );
      const sizes = [...out.values()].map((ps) => ps.length);
      assert.ok(
        Math.max(...sizes) - Math.min(...sizes) <=
          Math.ceil(64 / workers.length) -
            Math.floor(64 / workers.length) +
            (64 % workers.length ? workers.length - 1 : 0),
      );
      assert.ok(Math.max(...sizes) <= Math.ceil(64 / workers.length));
    }
  });

  it('is the same whatever order the registry lists workers in', () => {
    assert.deepEqual(assignPartitions(64, ['b', 'a', 'c']), assignPartitions(64, ['c', 'b', 'a']));
  });

  it('moves few partitions when a worker joins', () => {
    const before = assignPartitions(64, ['w1', 'w2', 'w3']);
    const after = assignPartitions(64, ['w1', 'w2', 'w3', 'w4']);
    let moved = 0;
    for (const w of ['w1', 'w2', 'w3']) {
      const keep = new Set(after.get(w));
      moved += before.get(w)!.filter((p) => !keep.has(p)).length;
    }
    // the newcomer's share must move; a naive round-robin would move about 48 of 64
    assert.ok(moved <= 32, `moved ${moved}`);
    assert.equal(after.get('w4')!.length, 16);
  });
});
