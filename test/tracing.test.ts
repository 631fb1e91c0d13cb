/**
 * OpenTelemetry: a span per turn, with trace context carried in the envelope (`tc`) from a client
 * to an actor and on to the actors it sends to and the timers it sets. A real SDK (in-memory
 * exporter) is registered in this process; the last suite unregisters it to check the no-SDK path.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { connect, partitionOf, type Troupe, type Worker } from '../src/index.ts';
import { unpack } from '../src/protocol/codec.ts';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION, type Envelope } from '../src/protocol/envelope.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { Relay, Sink } from './fixtures/traced-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runPython } from './helpers/python.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

const exporter = new InMemorySpanExporter();

function registerSdk(): void {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  assert.ok(trace.setGlobalTracerProvider(provider), 'tracer provider registered');
  assert.ok(propagation.setGlobalPropagator(new W3CTraceContextPropagator()), 'propagator registered');
}

let redis: TestRedis;
let raw: Redis;
before(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  registerSdk();
  redis = await startRedis();
  raw = new Redis(redis.url);
});
after(async () => {
  raw.disconnect();
  await redis.stop();
  trace.disable();
  propagation.disable();
  context.disable();
});
afterEach(() => exporter.reset());

async function system(): Promise<Troupe> {
  return connect({
    redis: redis.url,
    namespace: uniqueNamespace('trace'),
    actors: [Relay, Sink],
    partitions: 4,
  });
}

/** Runs `fn` inside an active client span, as a traced service would call Troupe; ends the span. */
async function inClientSpan(fn: () => Promise<unknown>): Promise<SpanContext> {
  return trace.getTracer('test').startActiveSpan('client op', async (span: Span) => {
    try {
      await fn();
      return span.spanContext();
    } finally {
      span.end();
    }
  });
}

function spans(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}

async function spanNamed(name: string, count = 1): Promise<ReadableSpan[]> {
  await waitFor(`${count} span(s) "${name}"`, () => spans(name).length >= count);
  return spans(name);
}

function parentOf(s: ReadableSpan): string | undefined {
  return s.parentSpanContext?.spanId;
}

/** Every envelope waiting in an actor's mailbox, as raw MessagePack maps. */
async function mailbox(troupe: Troupe, type: string, id: string): Promise<Record<string, unknown>[]> {
  const p = partitionOf(type, id, troupe.partitions);
  const bytes = await raw.lrangeBuffer(troupe.keys.mailbox(p, `${type}/${id}`), 0, -1);
  return bytes.map((b) => unpack(b) as Record<string, unknown>);
}

/** Every envelope waiting in a partition's timers, as raw MessagePack maps. */
async function timers(troupe: Troupe, type: string, id: string): Promise<Record<string, unknown>[]> {
  const p = partitionOf(type, id, troupe.partitions);
  const members = await raw.zrangeBuffer(troupe.keys.timers(p), '0', '-1');
  const prefix = Buffer.from(`${type}/${id}\0`);
  return members
    .filter((m) => m.subarray(0, prefix.length).equals(prefix))
    .map((m) => unpack(m.subarray(prefix.length)) as Record<string, unknown>);
}

/** Puts envelope bytes into a mailbox through the real tell script, as a non-Node sender would. */
async function tellBytes(troupe: Troupe, type: string, id: string, bytes: Buffer): Promise<void> {
  const k = troupe.keys;
  const p = partitionOf(type, id, troupe.partitions);
  const akey = `${type}/${id}`;
  await withScripts(raw).run('tell', [k.mailbox(p, akey), k.ready(p), k.wake(p)], [akey, bytes]);
}

function envelope(type: string, id: string, method: string, args: unknown[]): Envelope {
  return {
    v: ENVELOPE_VERSION,
    id: `m-${Math.random().toString(36).slice(2)}`,
    type,
    actor: id,
    method,
    args,
    sentAt: Date.now(),
  };
}

/**
 * A sink's notes once `n` turns have committed: a turn's span ends when the turn does, a moment
 * before its commit lands.
 */
async function committedNotes(troupe: Troupe, id: string, n: number): Promise<string[]> {
  let notes: string[] = [];
  await waitFor(`${n} note(s) of ${id} committed`, async () => {
    notes = (await troupe.ref(Sink, id).read()).notes;
    return notes.length >= n;
  });
  return notes;
}

describe('spans per turn', () => {
  let troupe: Troupe;
  let worker: Worker;
  before(async () => {
    troupe = await system();
    worker = await troupe.work({ leaseMs: 2000 });
  });
  after(async () => {
    await worker.stop();
    await troupe.close();
  });

  it('nests the turn under the client span, and the turn it sends to under that turn', async () => {
    const client = await inClientSpan(() => troupe.ref(Relay, 'r-1').tell('pass', 's-1', 'hello'));
    const [a] = await spanNamed('troupe.turn relay.pass');
    const [b] = await spanNamed('troupe.turn sink.record');
    assert.deepEqual(await committedNotes(troupe, 's-1', 1), ['hello']);

    assert.equal(a!.spanContext().traceId, client.traceId);
    assert.equal(parentOf(a!), client.spanId, "A's turn is a child of the client span");
    assert.equal(b!.spanContext().traceId, client.traceId);
    assert.equal(parentOf(b!), a!.spanContext().spanId, "B's turn is a child of A's turn");

    assert.equal(a!.kind, SpanKind.CONSUMER);
    assert.equal(a!.status.code, SpanStatusCode.UNSET);
    assert.equal(a!.instrumentationScope.name, 'troupe');
    assert.equal(a!.attributes['troupe.actor.type'], 'relay');
    assert.equal(a!.attributes['troupe.actor.id'], 'r-1');
    assert.equal(a!.attributes['troupe.method'], 'pass');
    assert.equal(a!.attributes['messaging.system'], 'troupe');
    assert.equal(a!.attributes['troupe.turn.outcome'], 'ok');
    assert.equal(typeof a!.attributes['troupe.message.id'], 'string');
    assert.equal(b!.attributes['troupe.message.id'], `${String(a!.attributes['troupe.message.id'])}.0`);
  });

  it('runs an async handler inside its turn span: spans it starts after an await nest under it', async () => {
    const client = await inClientSpan(() => troupe.ref(Relay, 'r-2').tell('passLater', 's-2', 'later'));
    const [b] = await spanNamed('troupe.turn sink.recordLater');
    const [inner] = await spanNamed('inner work');
    assert.equal(b!.spanContext().traceId, client.traceId);
    assert.equal(parentOf(inner!), b!.spanContext().spanId);
    assert.equal(inner!.spanContext().traceId, client.traceId);
    assert.deepEqual(await committedNotes(troupe, 's-2', 1), ['later']);
  });

  it('carries the trace through a timer the turn sets', async () => {
    const client = await inClientSpan(() => troupe.ref(Relay, 'r-3').tell('remind', 20, 's-3', 'tick'));
    const [remind] = await spanNamed('troupe.turn relay.remind');
    const [fired] = await spanNamed('troupe.turn relay.pass');
    const [b] = await spanNamed('troupe.turn sink.record');
    assert.equal(parentOf(remind!), client.spanId);
    assert.equal(
      parentOf(fired!),
      remind!.spanContext().spanId,
      'the timer turn is a child of the turn that set it',
    );
    assert.equal(parentOf(b!), fired!.spanContext().spanId);
    assert.equal(b!.spanContext().traceId, client.traceId);
  });

  it('marks failed turns ERROR with the exception, for the retry and the dead letter', async () => {
    const client = await inClientSpan(() => troupe.ref(Relay, 'r-4').tell('boom', 'kaput'));
    const failed = await spanNamed('troupe.turn relay.boom', 2);
    const outcomes = failed.map((s) => s.attributes['troupe.turn.outcome']).sort();
    assert.deepEqual(outcomes, ['failed', 'retry']);
    for (const s of failed) {
      assert.equal(s.status.code, SpanStatusCode.ERROR);
      assert.match(s.status.message ?? '', /kaput/);
      assert.equal(parentOf(s), client.spanId, 'each attempt is a child of the sender');
      const exception = s.events.find((e) => e.name === 'exception');
      assert.match(String(exception?.attributes?.['exception.message']), /kaput/);
    }
    assert.deepEqual(failed.map((s) => s.attributes['troupe.turn.attempt']).sort(), [1, 2]);
    await waitFor(
      'dead letter',
      async () => (await troupe.deadLetters.list({ actor: 'relay/r-4' })).length === 1,
    );
    // the failed turn's send was discarded with it
    assert.equal(spans('troupe.turn sink.record').length, 0);
  });

  it('starts a trace of its own for a message that carries none', async () => {
    await troupe.ref(Relay, 'r-5').tell('pass', 's-5', 'untraced');
    const [a] = await spanNamed('troupe.turn relay.pass');
    const [b] = await spanNamed('troupe.turn sink.record');
    assert.equal(parentOf(a!), undefined, 'a root span');
    assert.equal(parentOf(b!), a!.spanContext().spanId);
  });

  it('handles an envelope with a malformed tc like any other, as a root span', async () => {
    const garbage: unknown[] = [
      'not a map',
      42,
      [1, 2, 3],
      { traceparent: 'nonsense' },
      { traceparent: 7 },
      { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' },
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])),
    ];
    for (const [i, tc] of garbage.entries()) {
      const env = { ...envelope('sink', 's-6', 'record', [`n${i}`]), tc } as unknown as Envelope;
      await tellBytes(troupe, 'sink', 's-6', encodeEnvelope(env));
    }
    await waitFor(
      'all recorded',
      async () => (await troupe.ref(Sink, 's-6').read()).notes.length === garbage.length,
    );
    assert.deepEqual(await troupe.deadLetters.list({ actor: 'sink/s-6' }), []);
    const turns = await spanNamed('troupe.turn sink.record', garbage.length);
    for (const s of turns) assert.equal(parentOf(s), undefined);
  });

  it('continues a trace whose traceparent a non-Node sender wrote', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const env = {
      ...envelope('sink', 's-7', 'record', ['from python']),
      tc: { traceparent: `00-${traceId}-${parent}-01` },
    };
    await tellBytes(troupe, 'sink', 's-7', encodeEnvelope(env));
    const [b] = await spanNamed('troupe.turn sink.record');
    assert.equal(b!.spanContext().traceId, traceId);
    assert.equal(parentOf(b!), parent);
  });

  it('continues a trace handed to the Python sender in TRACEPARENT', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    const args = [
      'examples/python-sender/troupe_sender.py',
      redis.url,
      troupe.namespace,
      'tell',
      'sink',
      's-8',
      'record',
      '"py"',
    ];
    const run = await runPython(args, { TRACEPARENT: `00-${traceId}-${parent}-01` });
    assert.equal(run.code, 0, run.stderr);
    const [b] = await spanNamed('troupe.turn sink.record');
    assert.equal(b!.spanContext().traceId, traceId);
    assert.equal(parentOf(b!), parent);
    assert.deepEqual(await committedNotes(troupe, 's-8', 1), ['py']);
  });
});

describe('the envelope field tc', () => {
  let troupe: Troupe;
  before(async () => {
    troupe = await system(); // no worker: the mail stays where a test can read it
  });
  after(async () => {
    await troupe.close();
  });

  it('is absent when no span is active', async () => {
    await troupe.ref(Sink, 'q-1').tell('record', 'plain');
    await troupe.ref(Relay, 'q-1').tellLater(60_000, 'pass', 'x', 'y');
    const [told] = await mailbox(troupe, 'sink', 'q-1');
    const [later] = await timers(troupe, 'relay', 'q-1');
    assert.equal(told!.method, 'record');
    assert.ok(!('tc' in told!), 'no tc key');
    assert.equal(later!.method, 'pass');
    assert.ok(!('tc' in later!), 'no tc key');
  });

  it('holds the active span as a W3C traceparent', async () => {
    const client = await inClientSpan(() => troupe.ref(Sink, 'q-2').tell('record', 'traced'));
    const [told] = await mailbox(troupe, 'sink', 'q-2');
    assert.deepEqual(told!.tc, { traceparent: `00-${client.traceId}-${client.spanId}-01` });
  });

  it('decodes to string entries only, and is dropped when malformed', () => {
    const base = envelope('sink', 'x', 'record', []);
    const decode = (tc: unknown) => decodeEnvelope(encodeEnvelope({ ...base, tc } as unknown as Envelope)).tc;
    assert.deepEqual(decode({ traceparent: 'a', tracestate: 'b', n: 1 }), {
      traceparent: 'a',
      tracestate: 'b',
    });
    assert.equal(decode('garbage'), undefined);
    assert.equal(decode({ n: 1 }), undefined);
    assert.equal(decode(null), undefined);
    assert.equal(decodeEnvelope(encodeEnvelope(base)).tc, undefined);
  });
});

describe('without an SDK', () => {
  let troupe: Troupe;
  let worker: Worker;
  before(async () => {
    trace.disable();
    propagation.disable();
    troupe = await system();
    worker = await troupe.work({ leaseMs: 2000 });
  });
  after(async () => {
    await worker.stop();
    await troupe.close();
  });

  it('runs turns and sends envelopes without tc, even inside a would-be span', async () => {
    await inClientSpan(() => troupe.ref(Relay, 'n-1').tell('remind', 60_000, 's', 'quiet'));
    await waitFor('timer set', async () => (await timers(troupe, 'relay', 'n-1')).length === 1);
    const [later] = await timers(troupe, 'relay', 'n-1');
    assert.equal(later!.method, 'pass');
    assert.ok(!('tc' in later!), 'no tc key');
    await troupe.ref(Relay, 'n-2').tell('pass', 's-n', 'quiet');
    await waitFor('recorded', async () => (await troupe.ref(Sink, 's-n').read()).notes.length === 1);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  it('records again once an SDK registers while the worker runs', async () => {
    registerSdk();
    const client = await inClientSpan(() => troupe.ref(Relay, 'n-3').tell('pass', 's-n3', 'loud'));
    const [a] = await spanNamed('troupe.turn relay.pass');
    assert.equal(parentOf(a!), client.spanId);
  });
});
