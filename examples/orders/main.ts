/**
 * The orders example: actors found by their indexes, kept in step with every commit.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/orders/main.ts
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'troupe';
import { dropNamespace } from '../../tools/namespace.ts';
import { Order } from './actors.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const namespace = `orders-example-${randomBytes(4).toString('hex')}`;
const troupe = await connect({ redis: redisUrl, namespace, actors: [Order] });
await troupe.work({ concurrency: 16 });

// twelve orders: totals 50, 100, … 600, alternately in eu and us
for (let i = 1; i <= 12; i++) await troupe.ref(Order, `o-${i}`).tell('place', i * 50, i % 2 ? 'eu' : 'us');
for (const i of [2, 5, 9, 11]) await troupe.ref(Order, `o-${i}`).tell('markLate');
for (const i of [3, 4]) await troupe.ref(Order, `o-${i}`).tell('pay');
// an ask waits behind every tell to its actor: once it answers, they are committed
await Promise.all(Array.from({ length: 12 }, (_, i) => troupe.ref(Order, `o-${i + 1}`).ask('summary')));
await troupe.ref(Order, 'o-12').ask('close');

const orders = troupe.actors(Order);
const ids = async (where: Parameters<typeof orders.ids>[0]) => {
  const out: string[] = [];
  for await (const id of orders.ids(where)) out.push(id);
  return out.sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
};
const late = await ids({ where: { status: 'late' } });
const bigEu = await ids({ where: { region: 'eu', total: { gte: 300 } } });
const all = await orders.count();
console.log(`late: ${late.join(', ')}`);
console.log(`eu, total >= 300: ${bigEu.join(', ')}`);
console.log(`orders: ${all} (o-12 was closed)`);

await troupe.close();
await dropNamespace(redisUrl, namespace);
const ok = all === 11 && bigEu.join() === 'o-7,o-9,o-11' && !late.includes('o-3') && late.includes('o-2');
console.log(ok ? 'ok' : 'FAIL');
if (!ok) process.exitCode = 1;
