// this.repeat / this.cancel in a worker of this process: committed with the turn, a firing per
// period, the next scheduled with each firing, cancel, replace, destroy, a cron rule across a DST
// change on an injected clock. test/repeats-crash.test.ts kills a real worker process.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, type Troupe, type Worker } from '../src/index.ts';
import { nextDue } from '../src/actor/repeat-rule.ts';
import { Ticker } from './fixtures/repeat-actors.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
let troupe: Troupe;
let worker: Worker;

before(async () => {
  redis = await startRedis();
  troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace('rep'),
    actors: [Ticker],
    partitions: 4,
  });
  worker = await troupe.work({ name: 'rep-w1' });
});

after(async () => {
  await worker.stop();
  await troupe.close();
  await redis.stop();
});

it('fires every period until cancelled, and lists the repeat meanwhile', async () => {
  const t = troupe.ref(Ticker, 't-1');
  await t.ask('start', 100);
  await waitFor('three ticks', async () => (await t.read()).ticks >= 3);
  const [s] = await t.schedules();
  assert.equal(s?.name, 'tick');
  assert.equal(s?.method, 'tick');
  assert.deepEqual(s?.rule, { everyMs: 100 });
  assert.ok(s && s.next > Date.now() - 1_000, 'the next firing is the coming one');

  await t.ask('stop');
  assert.deepEqual(await t.schedules(), []);
  const stopped = (await t.read()).ticks;
  // a firing already delivered still runs; none comes after it
  await new Promise((r) => setTimeout(r, 500));
  const later = (await t.read()).ticks;
  assert.ok(later <= stopped + 1, `${later - stopped} ticks after cancel`);
});

it('a repeat of a name replaces it; a turn that throws sets nothing', async () => {
  const t = troupe.ref(Ticker, 't-2');
  await t.ask('start', 60_000);
  await t.ask('start', 30_000);
  const list = await t.schedules();
  assert.equal(list.length, 1);
  assert.deepEqual(list[0]?.rule, { everyMs: 30_000 });

  const u = troupe.ref(Ticker, 't-3');
  await assert.rejects(u.ask('startThenFail'), /changed my mind/);
  assert.deepEqual(await u.schedules(), []);
});

it('a failing firing is dead-lettered and the next one still comes, without piling up', async () => {
  const t = troupe.ref(Ticker, 't-4');
  await t.ask('startFailing', 100);
  await waitFor(
    'three dead firings',
    async () => (await troupe.deadLetters.list({ actor: 'ticker/t-4' })).length >= 3,
  );
  const [s] = await t.schedules();
  assert.equal(s?.name, 'boom', 'the repeat goes on after its firings failed');
  await t.ask('close');
  assert.deepEqual(await t.schedules(), [], 'destroy ends the actor’s repeats');
});

it('refuses a bad rule at the call, naming the field', async () => {
  const t = troupe.ref(Ticker, 't-5');
  await assert.rejects(t.ask('bad', { everyMs: 1 }), /everyMs must be a whole number of ms >= 10/);
  await assert.rejects(t.ask('bad', { cron: '61 * * * *' }), /cron "61 \* \* \* \*" is not valid/);
  await assert.rejects(t.ask('bad', { cron: '0 3 * * *', tz: 'Mars/Base' }), /tz "Mars\/Base" is not valid/);
  await assert.rejects(t.ask('bad', { everyMs: 100, cron: '* * * * *' }), /either everyMs or cron/);
});

it('computes the next period in phase after downtime: once, not once per period missed', () => {
  assert.equal(nextDue({ everyMs: 1_000 }, 5_000), 6_000);
  // due at 10 000, fired late at 13 500: the next is 14 000, not 11 000
  assert.equal(nextDue({ everyMs: 1_000 }, 13_500, 10_000), 14_000);
  assert.equal(nextDue({ everyMs: 1_000 }, 10_000, 10_000), 11_000);
});

it('fires a cron rule at the right wall times across a DST change, on an injected clock', async () => {
  // Paris goes from UTC+1 to UTC+2 on Sunday 2026-03-29: 03:00 local is 02:00Z before, 01:00Z after
  const clock = new FakeClock(Date.parse('2026-03-27T12:00:00Z'));
  const ns = uniqueNamespace('cron');
  const clocked = await connect({ redis: redis.url, namespace: ns, actors: [Ticker], partitions: 2, clock });
  const w = await clocked.work({ name: 'cron-w', leaseMs: 120_000 });
  try {
    const t = clocked.ref(Ticker, 'nightly');
    await t.ask('nightly', 'Europe/Paris');
    const firings = async () => (await t.read()).nightly;
    const next = async () => new Date((await t.schedules())[0]!.next).toISOString();
    assert.equal(await next(), '2026-03-28T02:00:00.000Z');

    const until = async (iso: string) => {
      clock.advance(Date.parse(iso) - clock.now());
      // the worker's timer fires on the clock; give its scripts a moment to run
      await new Promise((r) => setTimeout(r, 150));
    };
    await until('2026-03-28T01:59:59Z');
    assert.equal(await firings(), 0, 'not before 03:00 Paris (02:00Z in winter time)');
    await until('2026-03-28T02:00:01Z');
    await waitFor('the first nightly', async () => (await firings()) === 1);
    assert.equal(await next(), '2026-03-29T01:00:00.000Z', 'summer time from the 29th');

    await until('2026-03-29T00:59:59Z');
    assert.equal(await firings(), 1, 'not at 02:00Z on the day the clocks change');
    await until('2026-03-29T01:00:01Z');
    await waitFor('the second nightly', async () => (await firings()) === 2);
    assert.equal(await next(), '2026-03-30T01:00:00.000Z');
  } finally {
    await w.stop();
    await clocked.close();
  }
});
