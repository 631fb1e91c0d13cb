/**
 * The aggregator (fan-out / fan-in) example: start several jobs at once, let the actors combine
 * their parts, then check every result.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/aggregator/main.ts
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { connect } from 'troupe';
import { dropNamespace } from '../../tools/namespace.ts';
import {
  Aggregator,
  CATALOG,
  checkStock,
  combine,
  Coordinator,
  Inventory,
  priceOrder,
  Pricing,
  Report,
  type AggregatorCtx,
  type Order,
} from './actors.ts';

const JOBS = 12;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const namespace = `aggregator-example-${randomBytes(4).toString('hex')}`;

const troupe = await connect({
  redis: redisUrl,
  namespace,
  actors: [Coordinator, Pricing, Inventory, Aggregator, Report],
});
console.log(`connected to ${redisUrl}, namespace ${namespace}`);
await troupe.work({ concurrency: 32 });

// Some orders: a few lines each, some asking for more than is in stock.
const skus = Object.keys(CATALOG);
const orders = new Map<string, Order>();
for (let i = 1; i <= JOBS; i++) {
  const lines = skus
    .filter((_, k) => (i + k) % 3 !== 0)
    .map((sku, k) => ({ sku, qty: 1 + ((i * 7 + k * 3) % 6) }));
  orders.set(`order-${i}`, { customer: `customer-${(i % 4) + 1}`, lines });
}

// Start every job at once; start the first one a second time to show that it runs only once.
const coordinator = troupe.ref(Coordinator, 'shop');
const [firstToken, firstOrder] = [...orders][0]!;
await Promise.all([...orders].map(([token, order]) => coordinator.tell('start', token, order)));
const again = await coordinator.ask('start', firstToken, firstOrder);
console.log(`started ${orders.size} jobs; starting ${firstToken} again returned ${again}`);

// Wait for the results. (Only this script polls, to know when to print; the actors never do.)
const contexts = new Map<string, AggregatorCtx>();
const deadline = Date.now() + 30_000;
while (contexts.size < orders.size) {
  if (Date.now() > deadline) throw new Error(`only ${contexts.size}/${orders.size} jobs completed in 30 s`);
  for (const token of orders.keys()) {
    if (contexts.has(token)) continue;
    const ctx = await troupe.ref(Aggregator, token).read();
    if (ctx.result) contexts.set(token, ctx);
  }
  if (contexts.size < orders.size) await new Promise((r) => setTimeout(r, 50));
}

// Print and verify.
let failures = 0;
const fail = (what: string) => {
  failures++;
  console.error(`FAIL ${what}`);
};
let pricingFirst = 0;
for (const [token, order] of orders) {
  const ctx = contexts.get(token)!;
  const r = ctx.result!;
  const expected = combine(order.customer, priceOrder(order.lines), checkStock(order.lines));
  if (!isDeepStrictEqual(r, expected)) fail(`${token}: ${JSON.stringify(r)} != ${JSON.stringify(expected)}`);
  if (ctx.completions !== 1) fail(`${token} completed ${ctx.completions} times`);
  if (ctx.arrived[0] === 'pricing') pricingFirst++;
  const short = r.short.length ? ` (short: ${r.short.join(', ')})` : '';
  console.log(
    `${token.padEnd(9)} ${r.customer}  $${(r.totalCents / 100).toFixed(2).padStart(7)}  ${r.status}${short}` +
      `  parts arrived: ${ctx.arrived.join(' then ')}`,
  );
}

// The Report hears of every job exactly once. Each aggregator's send to it was committed with its
// 'complete' segment, but the Report's own turns may still be queued: wait for them.
let report = await troupe.ref(Report, 'orders').read();
while (report.orders < orders.size && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 50));
  report = await troupe.ref(Report, 'orders').read();
}
const expectedTotal = [...orders.values()].reduce((s, o) => s + priceOrder(o.lines).totalCents, 0);
if (report.orders !== orders.size) fail(`report counted ${report.orders} orders, expected ${orders.size}`);
if (report.totalCents !== expectedTotal) fail(`report total ${report.totalCents} != ${expectedTotal}`);
for (const token of orders.keys()) {
  if (report.byToken[token] !== 1) fail(`report saw ${token} ${report.byToken[token] ?? 0} times`);
}
if (again !== false) fail(`starting ${firstToken} twice was not ignored`);

console.log(
  `${contexts.size}/${orders.size} jobs complete, each exactly once; pricing arrived first in ${pricingFirst}, ` +
    `inventory first in ${orders.size - pricingFirst}; report total $${(report.totalCents / 100).toFixed(2)}`,
);

await troupe.close();
await dropNamespace(redisUrl, namespace);
if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exitCode = 1;
} else {
  console.log('all results verified');
}
