/**
 * The counter example: connect, run a worker in this process, tell, ask and read.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/counter/main.ts
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'troupe';
import { dropNamespace } from '../../tools/namespace.ts';
import { Counter } from './actors.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// A fresh namespace per run, so reruns against the same Redis never see each other's state.
const namespace = `counter-example-${randomBytes(4).toString('hex')}`;

const troupe = await connect({ redis: redisUrl, namespace, actors: [Counter] });
console.log(`connected to ${redisUrl}, namespace ${namespace}`);

// A worker leases partitions and runs turns. Usually it runs in its own process
// (`npx troupe worker --actors ./examples/counter/actors.ts`); here it shares this one.
await troupe.work({ concurrency: 16 });

const c = troupe.ref(Counter, 'c-1');
await c.tell('add', 5); // resolves once the message is durably in Redis
await c.tell('add', 7);
console.log('told add(5) and add(7) to counter/c-1');

// The ask is queued behind the two tells (one sender, one actor: handled in order sent).
const n = await c.ask('value');
console.log(`ask value -> ${n}`);

// read() folds the committed context log in this process, without a turn.
const ctx = await c.read();
console.log(`read -> ${JSON.stringify(ctx)}`);

await troupe.close(); // stops the worker gracefully, then closes the connections
await dropNamespace(redisUrl, namespace); // housekeeping: leave nothing behind in a shared Redis
if (n !== 12 || ctx.count !== 12) {
  console.error(`expected 12, got ask=${n} read=${ctx.count}`);
  process.exitCode = 1;
} else {
  console.log('ok');
}
