import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { cpuRow, renderCpuTable } from '../bench/lib/cpu-table.ts';
import { cpuMsFromStat, processCpuMs, startCpuMeter, type CpuUse } from '../bench/lib/cpu.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

it('reads utime + stime from a stat line, whatever the process name holds', () => {
  // fields 14 and 15 (utime, stime) are 7 and 3 ticks; the name has spaces and a ')'
  const stat = '42 (a (b) c) S 1 42 42 0 -1 4194304 97 0 0 0 7 3 0 0 20 0 1 0 291392 3133440 413';
  assert.equal(cpuMsFromStat(stat, 100), 100);
  assert.equal(cpuMsFromStat(stat, 1000), 10);
  assert.equal(cpuMsFromStat('garbage'), undefined);
  const own = processCpuMs(process.pid);
  assert.ok(own !== undefined && own >= 0, 'this process can be read');
  assert.equal(processCpuMs(2 ** 30), undefined, 'a pid that does not exist reads as undefined');
});

it("reads several redis-servers node by node when the url lists them (a cluster's primaries)", async () => {
  const second = await startRedis();
  try {
    const [a, b] = [redis.client(), second.client()];
    await Promise.all([a.ping(), b.ping()]);
    const meter = await startCpuMeter(`${redis.url},${second.url}`, []);
    for (let i = 0; i < 3; i++) await a.set(`n${i}`, 'v');
    for (let i = 0; i < 5; i++) await b.set(`n${i}`, 'v');
    const use = await meter.stop(8);
    assert.deepEqual(
      use.nodes?.map((n) => [n.url, n.commands]),
      [
        [redis.url, 3],
        [second.url, 5],
      ],
    );
    assert.equal(use.redisCommands, 8, 'the total is the sum of the nodes');
    assert.equal(use.commands?.set, 8);
    assert.ok(
      use.nodes?.every((n) => n.ms !== undefined && n.ms >= 0),
      'both servers are local',
    );
    assert.equal(
      use.ms.redis,
      use.nodes.reduce((s, n) => s + n.ms!, 0),
    );
  } finally {
    await second.stop();
  }
});

it('counts the commands run in the window, and reads redis-server and the processes given', async () => {
  const client = redis.client();
  await client.ping();
  const meter = await startCpuMeter(redis.url, [{ role: 'worker', pid: process.pid }]);
  for (let i = 0; i < 10; i++) await client.set(`k${i}`, 'v');
  await client.eval("redis.call('SET', KEYS[1], 'v'); return 1", 1, 'k');
  const use = await meter.stop(11);
  assert.equal(use.commands?.set, 11, 'SET from the client and from the script');
  assert.equal(use.commands?.eval, 1);
  assert.equal(use.commands?.info, undefined, "the meter's own INFO is not counted");
  assert.equal(use.redisCommands, 12);
  assert.ok(use.ms.worker !== undefined && use.ms.worker >= 0);
  assert.ok(use.ms.redis !== undefined && use.ms.redis >= 0, 'the private redis-server is local');
  assert.equal(use.ms.sender, undefined);
});

it('turns runs into per-1k medians, with the total of every process', () => {
  const run = (sender: number, worker: number, redisMs: number): CpuUse => ({
    messages: 2_000,
    windowMs: 1_000,
    ms: { sender, worker, redis: redisMs },
    redisCommands: 6_000,
  });
  const row = cpuRow('1k actors', 'troupe', [run(100, 200, 40), run(120, 260, 60), run(80, 220, 50)]);
  // each column is a median on its own: the total is the median of the runs' totals (170, 220, 175)
  assert.deepEqual(row.msPer1k, { sender: 50, worker: 110, redis: 25, total: 175 });
  assert.equal(row.commandsPerMessage, 3);
  const inProcess = cpuRow(
    '10k idle actors',
    'troupe',
    [{ ...run(0, 300, 100), ms: { worker: 300, redis: 100 } }],
    true,
  );
  assert.deepEqual(inProcess.msPer1k, { worker: 150, redis: 50, total: 200 });
  const table = renderCpuTable([row, inProcess]);
  assert.match(table, /\| 1k actors +\| troupe +\| +2,000 \| +50\.0 \| +110 \| +25\.0 \| +175 \| +3\.00 \|/);
  assert.match(table, /\| +in worker \|/);
  const unreadable = cpuRow('x', 'y', [{ ...run(1, 1, 1), ms: { sender: 1, worker: 1 } }]);
  assert.equal(unreadable.msPer1k.total, undefined, 'no total when a process could not be read');
  assert.match(renderCpuTable([unreadable]), /\| +— \| +— \|/);
});
