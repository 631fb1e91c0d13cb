import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { packLuaTable } from '../src/redis/lua-table.ts';
import type { ScriptArg } from '../src/redis/scripts.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

// commit.lua reads its items from one packed argument with Redis's own cmsgpack: every value must
// arrive byte for byte, as ARGV would have brought it, whatever its length or bytes.

let redis: TestRedis;
let client: Redis;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});

after(async () => {
  client.disconnect();
  await redis.stop();
});

/** What the script sees: the table's length and each value as the bytes Lua holds. */
async function throughLua(values: ScriptArg[]): Promise<Buffer[]> {
  const lua = `local t = cmsgpack.unpack(ARGV[1])
    local out = { tostring(#t) }
    for i = 1, #t do
      if type(t[i]) ~= 'string' then return redis.error_reply('value ' .. i .. ' is a ' .. type(t[i])) end
      out[#out + 1] = t[i]
    end
    return out`;
  const out = (await client.callBuffer('EVAL', lua, 0, packLuaTable(values))) as Buffer[];
  assert.equal(Number(out[0]!.toString()), values.length, 'the table holds every value');
  return out.slice(1);
}

const bytesOf = (v: ScriptArg) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v)));

it('brings strings, numbers and bytes of every header size to Lua unchanged', async () => {
  const values: ScriptArg[] = [
    '',
    'Order/o-1',
    'ünïcødé ✓',
    'x'.repeat(31),
    'x'.repeat(32),
    'y'.repeat(255),
    'y'.repeat(256),
    'z'.repeat(65_535),
    'z'.repeat(65_536),
    Buffer.alloc(0),
    Buffer.from([0, 1, 2, 0xc4, 0xff, 0xfe]),
    Buffer.alloc(70_000, 0xc1),
    0,
    -1,
    1_765_000_000_000,
    42,
  ];
  const got = await throughLua(values);
  assert.equal(got.length, values.length);
  values.forEach((v, i) => assert.deepEqual(got[i], bytesOf(v), `value ${i}`));
});

it('brings arrays of 15, 16, 65,535 and 65,536 values', async () => {
  for (const n of [15, 16, 65_535, 65_536]) {
    const values = Array.from({ length: n }, (_, i) =>
      i % 3 === 0 ? i : i % 3 === 1 ? `v${i}` : Buffer.from([i & 0xff]),
    );
    const got = await throughLua(values);
    assert.equal(got.length, n);
    for (const i of [0, 1, 2, n - 1]) assert.deepEqual(got[i], bytesOf(values[i]!), `n ${n}, value ${i}`);
  }
});
