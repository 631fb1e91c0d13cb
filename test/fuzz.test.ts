/**
 * Guarantee 6 under fuzzing: thousands of random and mutated envelopes go straight into the
 * mailboxes of 20 counters (through the real tell script, as a sender in another language would
 * put them), interleaved with valid `add 1` tells from the Node client. The worker must not crash,
 * every bad input must be dead-lettered (once, with its original bytes, in mailbox order), and
 * every valid add around them must be applied exactly once.
 *
 * Reproducible: the inputs come from a seeded PRNG. The seed is printed as a diagnostic and in the
 * message of any failure; rerun with `FUZZ_SEED=<seed> npm test -- test/fuzz.test.ts` (and
 * `FUZZ_INPUTS=<n>` for a longer run).
 *
 * How a precise assertion is possible although a mutated envelope may still decode to a runnable
 * message (a flipped bit inside an argument, say): every generated input goes through an oracle
 * (`wouldRun`) written here from the protocol's rules (docs/protocol.md, "The envelope"), not from
 * the runtime's code. It decodes the bytes with msgpackr configured as the protocol documents and
 * says whether a worker would run the message: a map with a numeric `v` whose floor is 1, non-empty
 * string `id`/`type`/`actor`/`method`, an array `args`, `sender`/`replyTo`/`corr` string or nil, the
 * mailbox's own actor key and a handler of Counter, given as many args as it declares (there are
 * no schemas: the worker checks the count). Inputs it calls runnable are dropped (counted,
 * never sent), so every input that is sent must be dead-lettered. Then, exactly:
 *   - each counter's count == the number of valid adds sent to it (nothing bad applied, no add lost);
 *   - dead letters in the partitions' streams == the number of bad inputs sent;
 *   - per actor, the dead letters' bytes are the bad inputs sent to it, in order.
 * Where the oracle and the worker disagree, one of these fails and says which input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Packr, Unpackr } from 'msgpackr';
import { connect, partitionOf, type Troupe, type Worker } from '../src/index.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { Counter } from './fixtures/actors.ts';
import { deadCount, deadEntries } from './helpers/dead.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 32);
const BAD_INPUTS = Number(process.env.FUZZ_INPUTS ?? 3_000);
const ACTORS = 20;
/** Roughly one valid add per two bad inputs. */
const VALID_SHARE = 0.33;

/** mulberry32: a small, seedable PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  return { next, int, pick, bytes, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

// The test's own MessagePack writer (plain maps: a Map packs as a map with any key, __proto__ too)
// and the oracle's reader, configured as docs/protocol.md documents the protocol's encoding.
const writer = new Packr({ useRecords: false });
const pack = (v: unknown): Buffer => writer.pack(v);
const reader = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Counter's handlers and their parameter counts, written out here rather than read from the runtime. */
const COUNTER_HANDLERS = new Map([
  ['add', 1],
  ['value', 0],
  ['slowAdd', 2],
  ['fail', 1],
  ['forward', 2],
]);
const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
  'apply',
  'initial',
  'append',
  'send',
  'context',
];

/** The oracle: would a worker run this message for actor `counter/<id>`? */
function wouldRun(bytes: Buffer, id: string): boolean {
  let raw: unknown;
  try {
    raw = reader.unpack(bytes);
  } catch {
    return false;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Buffer.isBuffer(raw)) return false;
  const r = raw as Record<string, unknown>;
  const nonEmpty = (k: string) => typeof r[k] === 'string' && r[k] !== '';
  const optString = (k: string) => r[k] === undefined || r[k] === null || typeof r[k] === 'string';
  return (
    typeof r.v === 'number' &&
    Math.floor(r.v) === 1 &&
    ['id', 'type', 'actor', 'method'].every(nonEmpty) &&
    Array.isArray(r.args) &&
    ['sender', 'replyTo', 'corr'].every(optString) &&
    `${r.type as string}/${r.actor as string}` === `counter/${id}` &&
    COUNTER_HANDLERS.get(r.method as string) === r.args.length
  );
}

/** A valid envelope for counter/<id> as a Map (so keys can be replaced, removed or added). */
function envelopeMap(rng: Rng, id: string): Map<string, unknown> {
  return new Map<string, unknown>([
    ['v', 1],
    ['id', `fz-${rng.int(0, 1e9)}`],
    ['type', 'counter'],
    ['actor', id],
    ['method', 'add'],
    ['args', [rng.int(-1000, 1000)]],
    ['sentAt', 1767225600000 + rng.int(0, 1e6)],
    ['sender', 'fuzzer'],
  ]);
}

function evilMap(): Map<string, unknown> {
  return new Map<string, unknown>([
    ['__proto__', { polluted: true }],
    ['constructor', new Map([['prototype', new Map([['polluted', true]])]])],
    ['prototype', new Map([['polluted', true]])],
  ]);
}

/** A random MessagePack-able value, nested up to `depth`. */
function junk(rng: Rng, depth = 3): unknown {
  const kinds = depth > 0 ? 14 : 10;
  switch (rng.int(0, kinds - 1)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.int(-(2 ** 31), 2 ** 31);
    case 3:
      return rng.pick([2 ** 53, -(2 ** 53), 2 ** 64, 1e308, -1e308, NaN, Infinity, -Infinity, -0, 0.5]);
    case 4:
      return (rng.next() - 0.5) * 10 ** rng.int(0, 20);
    case 5:
      return String.fromCodePoint(
        ...Array.from({ length: rng.int(0, 12) }, () => rng.int(1, 0x10ffff)).filter(
          (c) => c < 0xd800 || c > 0xdfff,
        ),
      );
    case 6:
      return rng.bytes(rng.int(0, 16));
    case 7:
      return rng.pick(PROTO_NAMES);
    case 8:
      return '';
    case 9:
      return rng.pick(['add', 'counter', '1', 'v', 'args']);
    case 10:
    case 11:
      return Array.from({ length: rng.int(0, 5) }, () => junk(rng, depth - 1));
    case 12:
      return new Map(Array.from({ length: rng.int(0, 4) }, () => [junk(rng, 0), junk(rng, depth - 1)]));
    default:
      return evilMap();
  }
}

/** A value that is of the wrong type for `field`. */
function wrongType(rng: Rng, field: string): unknown {
  for (;;) {
    const v = junk(rng, 2);
    if (field === 'v' && typeof v !== 'number') return v;
    if (field === 'args' && !Array.isArray(v)) return v;
    if (['id', 'type', 'actor', 'method'].includes(field) && (typeof v !== 'string' || v === '')) return v;
    if (typeof v !== 'string' && v !== null) return v;
  }
}

function mutate(rng: Rng, input: Buffer): Buffer {
  let b = Buffer.from(input);
  for (let n = rng.int(1, 4); n > 0; n--) {
    const at = rng.int(0, Math.max(0, b.length - 1));
    switch (rng.int(0, 4)) {
      case 0: // flip a bit
        if (b.length > 0) b[at] = b[at]! ^ (1 << rng.int(0, 7));
        break;
      case 1: // overwrite a byte
        if (b.length > 0) b[at] = rng.int(0, 255);
        break;
      case 2: // insert bytes
        b = Buffer.concat([b.subarray(0, at), rng.bytes(rng.int(1, 8)), b.subarray(at)]);
        break;
      case 3: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + rng.int(1, 8))]);
        break;
      default: // truncate
        b = b.subarray(0, at);
    }
  }
  return b;
}

/** One candidate bad input for counter/<id>, and its kind (for the failure message). */
function candidate(rng: Rng, id: string): [kind: string, bytes: Buffer] {
  const env = envelopeMap(rng, id);
  switch (rng.int(0, 9)) {
    case 0:
      return ['random bytes', rng.bytes(rng.int(0, 300))];
    case 1:
    case 2:
      return ['mutated envelope', mutate(rng, pack(env))];
    case 3: {
      const field = rng.pick(['v', 'id', 'type', 'actor', 'method', 'args', 'sender', 'replyTo', 'corr']);
      env.set(field, wrongType(rng, field));
      if (rng.chance(0.3)) env.delete(rng.pick(['v', 'id', 'type', 'actor', 'method', 'args']));
      return [`wrong type for ${field}`, pack(env)];
    }
    case 4:
      env.set(
        'v',
        rng.pick([
          0,
          2,
          -1,
          -0.5,
          0.999,
          2.5,
          65536,
          2 ** 32 + 1,
          2 ** 53,
          2 ** 64,
          1e308,
          -1e308,
          NaN,
          Infinity,
          -Infinity,
        ]),
      );
      env.set('args', rng.chance(0.5) ? [junk(rng)] : junk(rng));
      return ['bad version', pack(env)];
    case 5:
      env.set('method', rng.chance(0.5) ? rng.pick(PROTO_NAMES) : `m${rng.int(0, 1e6)}`);
      env.set(
        'args',
        Array.from({ length: rng.int(0, 4) }, () => junk(rng, 4)),
      );
      return ['unknown method with junk args', pack(env)];
    case 6: {
      // proto keys in the envelope map itself, around an envelope that cannot run
      const m = new Map([...evilMap(), ...env]);
      m.set(rng.pick(['method', 'v', 'args']), rng.pick([...PROTO_NAMES, 7, null]));
      return ['proto keys', pack(m)];
    }
    case 7:
      env.set(
        rng.pick(['actor', 'type']),
        rng.pick([`${id}-x`, 'ghost', `${id}/`, '__proto__', 'counter/' + id]),
      );
      return ['misrouted', pack(env)];
    case 8:
      return ['not a map', pack(rng.chance(0.8) ? junk(rng) : [...env.values()])];
    default:
      // valid MessagePack followed by trailing garbage, or an envelope inside an array
      return rng.chance(0.5)
        ? ['trailing bytes', Buffer.concat([pack(env), rng.bytes(rng.int(1, 10))])]
        : ['wrapped', pack([env])];
  }
}

let redis: TestRedis;
let raw: Redis;
let troupe: Troupe;
let worker: Worker;
const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

before(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
  troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace('fuzz'),
    actors: [Counter],
    partitions: 8,
  });
  worker = await troupe.work({ leaseMs: 5000 });
});
after(async () => {
  await worker?.stop();
  await troupe?.close();
  raw?.disconnect();
  await redis?.stop();
});

describe('fuzzing the mailboxes', () => {
  it(`${BAD_INPUTS} bad inputs among valid adds: all dead-lettered, every add applied, no crash`, async (t) => {
    t.diagnostic(`FUZZ_SEED=${SEED}`);
    const rng = prng(SEED);
    const ids = Array.from({ length: ACTORS }, (_, i) => `f-${i}`);
    const expected = new Map(ids.map((id) => [id, 0]));
    const badSent = new Map<string, { kind: string; bytes: Buffer }[]>(ids.map((id) => [id, []]));
    const kinds = new Map<string, number>();
    const tell = withScripts(raw);
    const k = troupe.keys;
    let bad = 0;
    let droppedAsRunnable = 0;
    const failWith = (err: unknown): never => {
      if (err instanceof Error) err.message = `[FUZZ_SEED=${SEED}] ${err.message}`;
      throw err;
    };

    try {
      while (bad < BAD_INPUTS) {
        const id = rng.pick(ids);
        if (rng.chance(VALID_SHARE)) {
          await troupe.ref(Counter, id).tell('add', 1);
          expected.set(id, expected.get(id)! + 1);
          continue;
        }
        const [kind, bytes] = candidate(rng, id);
        if (wouldRun(bytes, id)) {
          droppedAsRunnable++;
          continue;
        }
        const akey = `counter/${id}`;
        const p = partitionOf('counter', id, troupe.partitions);
        await tell.run('tell', [k.mailbox(p, akey), k.ready(p), k.wake(p)], [akey, bytes]);
        badSent.get(id)!.push({ kind, bytes });
        kinds.set(kind.split(' for ')[0]!, (kinds.get(kind.split(' for ')[0]!) ?? 0) + 1);
        bad++;
      }
      const valid = [...expected.values()].reduce((a, b) => a + b, 0);
      t.diagnostic(
        `sent ${bad} bad inputs and ${valid} valid adds; ${droppedAsRunnable} runnable candidates dropped; ` +
          JSON.stringify(Object.fromEntries(kinds)),
      );

      // everything handled: every mailbox empty and nothing claimed
      const parts = [...new Set(ids.map((id) => partitionOf('counter', id, troupe.partitions)))];
      await waitFor(
        'every mailbox drained',
        async () => {
          for (const id of ids) {
            const p = partitionOf('counter', id, troupe.partitions);
            if ((await raw.llen(k.mailbox(p, `counter/${id}`))) > 0) return false;
          }
          for (const p of parts) if ((await raw.hlen(k.running(p))) > 0) return false;
          return true;
        },
        30_000,
      );

      // the worker is alive and answers
      assert.equal(await troupe.ref(Counter, ids[0]!).ask('value'), expected.get(ids[0]!));

      // every valid add applied exactly once, nothing bad applied
      const counts = new Map<string, unknown>();
      for (const id of ids) counts.set(id, (await troupe.ref(Counter, id).read()).count);
      assert.deepEqual(Object.fromEntries(counts), Object.fromEntries(expected), 'counts per actor');

      // every bad input dead-lettered exactly once, with its original bytes, in mailbox order
      assert.equal(await deadCount(raw, k, troupe.partitions), bad, 'one dead letter per bad input');
      const entries = await deadEntries(raw, k, troupe.partitions);
      const byActor = new Map<string, { reason: string; bytes: Buffer }[]>();
      for (const [, fields] of entries) {
        const f = new Map<string, Buffer>();
        for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!.toString(), fields[i + 1]!);
        const actor = f.get('actor')!.toString();
        const list = byActor.get(actor) ?? [];
        list.push({ reason: f.get('reason')!.toString(), bytes: f.get('envelope')! });
        byActor.set(actor, list);
      }
      for (const id of ids) {
        const sent = badSent.get(id)!;
        const dead = byActor.get(`counter/${id}`) ?? [];
        assert.equal(dead.length, sent.length, `dead letters of counter/${id}`);
        sent.forEach((s, i) => {
          const d = dead[i]!;
          assert.ok(
            ['undecodable', 'unsupported-version', 'misrouted', 'unknown-method', 'invalid-args'].includes(
              d.reason,
            ),
            `counter/${id} input ${i} (${s.kind}, ${s.bytes.toString('hex')}) dead as ${d.reason}`,
          );
          assert.ok(
            d.bytes.equals(s.bytes),
            `counter/${id} input ${i} (${s.kind}): dead letter holds ${d.bytes.toString('hex')}, sent ${s.bytes.toString('hex')}`,
          );
        });
      }

      // still serving after all that, and nothing leaked into Object.prototype
      assert.equal(worker.stats().partitions.length, troupe.partitions);
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is not polluted');
      assert.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
    } catch (err) {
      failWith(err);
    }
  });

  // Found while fuzzing by hand: msgpackr's structured-clone extensions (0x69/0x70) decode to a
  // cyclic array, a handler appends it, and encoding the segment overflowed the stack outside the
  // handler's try. Run in a worker process, since such a crash takes the process down.
  it('an add whose argument decodes to a cyclic array is dead-lettered, and the worker survives', async () => {
    const namespace = uniqueNamespace('fuzz-cycle');
    const client = await connect({ redis: redis.url, namespace, actors: [Counter], partitions: 4 });
    const proc = await spawnWorker(redis.url, namespace, './test/fixtures/actors.ts');
    try {
      const c = client.ref(Counter, 'cyc');
      await c.tell('add', 1);
      await waitFor('first add applied', async () => (await c.read()).count === 1);
      const cyclic: unknown[] = [1];
      cyclic.push(cyclic);
      const env = new Map<string, unknown>([
        ['v', 1],
        ['id', 'cyc-1'],
        ['type', 'counter'],
        ['actor', 'cyc'],
        ['method', 'add'],
        ['args', [cyclic]],
        ['sentAt', 1],
      ]);
      // d6 69 <id> / d6 70 <id>: msgpackr's object-identity extensions
      const bytes = new Packr({ structuredClone: true, useRecords: false }).pack(env);
      const p = partitionOf('counter', 'cyc', client.partitions);
      const k = client.keys;
      await withScripts(raw).run(
        'tell',
        [k.mailbox(p, 'counter/cyc'), k.ready(p), k.wake(p)],
        ['counter/cyc', bytes],
      );
      await c.tell('add', 1);
      await waitFor(
        'the add behind it applied',
        async () => proc.proc.exitCode !== null || (await c.read()).count === 2,
        10_000,
      );
      assert.equal(proc.proc.exitCode, null, `the worker is still running:\n${proc.output().slice(-2000)}`);
      assert.equal((await client.deadLetters.list({ actor: 'counter/cyc' })).length, 1);
    } finally {
      proc.proc.kill('SIGKILL');
      await proc.exited();
      await client.close();
    }
  });
});
