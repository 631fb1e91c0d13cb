// Compiled under the strictest common settings against the published types, then run as JS.
import { connect, type ActorRef } from 'troupe';
import { Counter } from './actors.ts';

const troupe = await connect({
  redis: process.env['REDIS_URL'],
  namespace: process.env['NS'],
  actors: [Counter],
});
const worker = await troupe.work({ concurrency: 4, leaseMs: 10_000 });
const c: ActorRef<Counter> = troupe.ref(Counter, 'ts-1');
await c.tell('add', 4);
const value: number = await c.ask('value');
const context: { count: number } = await c.read();
await worker.stop();
await troupe.close();
console.log(JSON.stringify({ value, context }));
