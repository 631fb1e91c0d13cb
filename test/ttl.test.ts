// Message time to live: a message not started within its ttl (the ref's messageTtlMs, else its
// type's static messageTtlMs) is dead-lettered as 'expired' and never applied. One fake clock stamps
// sentAt in the client and is the worker's now, so ages here are exact, not raced against.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { after, before, describe, it } from 'node:test';
import { Actor, HandlerError, type Troupe } from '../src/index.ts';
import { decodeEnvelope, encodeEnvelope } from '../src/protocol/envelope.ts';
import { Counter } from './fixtures/actors.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { systemForTest } from './helpers/system.ts';
import { waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

type Ctx = { count: number };

class Expiring extends Actor<Ctx, { added: number }> {
  static override type = 'expiring';
  static override messageTtlMs = 1_000;
  static override retry = { attempts: 3, backoffMs: 5_000, jitter: 0 };
  initial(): Ctx {
    return { count: 0 };
  }
  apply(ctx: Ctx, seg: { added: number }): Ctx {
    return { count: ctx.count + seg.added };
  }
  add(n: number): void {
    this.append({ added: n });
  }
  /** Fails while the count is below `until` (its segment is rolled back with the failure). */
  flaky(until: number): void {
    const before = this.context.count;
    this.append({ added: 100 });
    if (before < until) throw new Error(`not yet (${before} < ${until})`);
  }
}

/** A client whose one fake clock stamps sentAt and is its workers' now. */
async function clocked(t: TestContext): Promise<{ troupe: Troupe; clock: FakeClock }> {
  const clock = new FakeClock();
  const { troupe } = await systemForTest(t, redis.url, [Expiring, Counter], 4, { clock });
  return { troupe, clock };
}

async function expired(troupe: Troupe): Promise<string[]> {
  const dead = await troupe.deadLetters.list({ reason: 'expired' });
  return dead.map((d) => `${d.actor} ${d.envelope?.method}`).sort();
}

describe('message time to live', () => {
  it("dead-letters a message not started within its type's messageTtlMs, never applies it, and runs fresh mail", async (t) => {
    const { troupe, clock } = await clocked(t);
    const e = troupe.ref(Expiring, 'e-1');
    await e.tell('add', 1);
    await e.tell('add', 2);
    clock.advance(1_001);
    await e.tell('add', 10);
    const worker = await troupe.work({ leaseMs: 60_000 });
    t.after(() => worker.stop());
    await waitFor('both old messages dead-lettered', async () => (await expired(troupe)).length === 2);
    await waitFor('the fresh one applied', async () => (await e.read()).count === 10);
    assert.deepEqual(await expired(troupe), ['expiring/e-1 add', 'expiring/e-1 add']);
    const [letter] = await troupe.deadLetters.list({ reason: 'expired' });
    assert.match(letter!.error, /not started within its time to live of 1000 ms \(sent 1001 ms ago\)/);
  });

  it("lets a ref's messageTtlMs win over the type's, and an ask on an expired message rejects with the reason", async (t) => {
    const { troupe, clock } = await clocked(t);
    // longer than the type's 1 000 ms: still runs after 2 s
    await troupe.ref(Expiring, 'e-2', { messageTtlMs: 5_000 }).tell('add', 7);
    // Counter has no type ttl; this ref gives one
    const asked = troupe.ref(Counter, 'c-1', { messageTtlMs: 50, askTimeoutMs: 60_000 }).ask('value');
    const settled = asked.then(
      () => undefined,
      (err: unknown) => err,
    );
    await waitFor(
      'the ask is stored',
      async () => (await redis.client().keys('*:mb:counter/c-1')).length === 1,
    );
    clock.advance(2_000);
    const worker = await troupe.work({ leaseMs: 60_000 });
    t.after(() => worker.stop());
    const err = await settled;
    assert.ok(err instanceof HandlerError, `rejects with a HandlerError, got ${String(err)}`);
    assert.equal(err.remoteName, 'DeadLetter');
    assert.match(err.message, /expired: not started within its time to live of 50 ms/);
    await waitFor(
      'the long-lived tell applied',
      async () => (await troupe.ref(Expiring, 'e-2').read()).count === 7,
    );
    assert.deepEqual(await expired(troupe), ['counter/c-1 value']);
  });

  it('counts a delayed message from when it falls due', async (t) => {
    const { troupe, clock } = await clocked(t);
    const worker = await troupe.work({ leaseMs: 60_000 });
    t.after(() => worker.stop());
    const e = troupe.ref(Expiring, 'e-3');
    // sent 5 s before it runs, past the type's 1 s ttl: only its due time keeps it alive
    await e.tellLater(5_000, 'add', 3);
    clock.advance(5_000);
    // the worker arms its clock timer once it hears of the entry: move time on while it does
    await waitFor('the delayed tell applied', async () => {
      clock.advance(1);
      return (await e.read()).count === 3;
    });
    assert.deepEqual(await expired(troupe), []);
  });

  it('does not expire a message that started and waits for its retry', async (t) => {
    const { troupe, clock } = await clocked(t);
    const worker = await troupe.work({ leaseMs: 60_000 });
    t.after(() => worker.stop());
    const e = troupe.ref(Expiring, 'e-4');
    await e.tell('add', 1);
    await waitFor('applied', async () => (await e.read()).count === 1);
    // fails while count < 2; the retry 5 s later (past the 1 s ttl) still runs, and fails again
    await e.tell('flaky', 2);
    await waitFor('first attempt failed', () => worker.stats().retries === 1);
    clock.advance(5_000);
    await waitFor('second attempt ran (and failed)', () => {
      clock.advance(1);
      return worker.stats().retries === 2;
    });
    assert.deepEqual(await expired(troupe), []);
  });

  it('carries ttl and due in the envelope, and refuses a malformed one as undecodable', () => {
    const base = { v: 1, id: 'm', type: 'counter', actor: 'c', method: 'add', args: [1], sentAt: 5 };
    const env = decodeEnvelope(encodeEnvelope({ ...base, ttl: 250, due: 9 }));
    assert.equal(env.ttl, 250);
    assert.equal(env.due, 9);
    assert.equal(decodeEnvelope(encodeEnvelope(base)).ttl, undefined);
    for (const ttl of [0, -5, 'soon', [1]]) {
      assert.throws(
        () => decodeEnvelope(encodeEnvelope({ ...base, ttl } as never)),
        /envelope field "ttl" must be a positive number of ms/,
      );
    }
  });

  it('refuses a messageTtlMs that is not a positive number, naming the fix', async (t) => {
    const { troupe } = await clocked(t);
    assert.throws(
      () => troupe.ref(Counter, 'c-9', { messageTtlMs: 0 }),
      /messageTtlMs must be a positive number of ms/,
    );
    class Bad extends Expiring {
      static override type = 'bad-ttl';
      static override messageTtlMs = -1;
    }
    assert.throws(
      () => troupe.ref(Bad, 'b-1'),
      /bad-ttl: static messageTtlMs must be a positive number of ms/,
    );
  });
});
