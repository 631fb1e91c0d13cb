// Every line marked `must-fail` has to be a compile error; every other line must compile.
// test/typecheck.test.ts runs tsc on this file and checks both.
import { connect, type RateLimit, type Schedule } from '../../../src/index.ts';
import { Counter } from '../../fixtures/actors.ts';
import { Order } from '../../fixtures/orders.ts';

const troupe = await connect({ actors: [Counter] });
const c = troupe.ref(Counter, 'c-1');

await c.tell('add', 5);
const n: number = await c.ask('value');
const ctx: { count: number } = await c.read();

await c.tell('ad', 5); // must-fail: unknown method
await c.tell('add', '5'); // must-fail: wrong argument type
await c.tell('add'); // must-fail: missing argument
await c.tell('add', 5, 6); // must-fail: extra argument
const s: string = await c.ask('value'); // must-fail: ask result is a number
await c.tell('apply', { count: 0 }, { added: 1 }); // must-fail: base-class members are not handlers
await c.tell('append', { added: 1 }); // must-fail: protected helpers are not handlers
const wrong: { total: number } = await c.read(); // must-fail: context type

const byName = troupe.ref<typeof Counter>('counter', 'c-2');
await byName.tell('add', 1);
await byName.tell('add', 'x'); // must-fail: typed by type name too
const untyped = troupe.ref('counter', 'c-3');
await untyped.tell('anything', 1, 'two');

const orders = troupe.actors(Order);
for await (const id of orders.ids({ where: { status: 'late', total: { gte: 100, lt: 500 } } }))
  id.toUpperCase();
const paid: number = await orders.count({ where: { status: 'paid', region: 'eu', vip: true } });
await orders.count({ where: { colour: 'red' } }); // must-fail: not an index of Order
await orders.count({ where: { total: 'ten' } }); // must-fail: total is indexed as a number
await orders.count({ where: { total: { gte: 'a' } } }); // must-fail: a number's range takes numbers
await orders.count({ where: { vip: { gt: 1 } } }); // must-fail: booleans have no range
await c.tell('destroy'); // must-fail: destroy is a protected helper, not a handler

const schedules: Schedule[] = await c.schedules();
await c.tell('repeat', 'tick', { everyMs: 1_000 }, 'add'); // must-fail: repeat is a protected helper
await c.tell('cancel', 'tick'); // must-fail: cancel is a protected helper
export class Ticking extends Counter {
  static override concurrency = 3;
  static override rateLimit = { turns: 20, perMs: 1_000 };
  start(): void {
    this.repeat('tick', { everyMs: 1_000 }, 'add', 1);
    this.repeat('n', { cron: '0 3 * * *', tz: 'Europe/Paris' }, 'add', 1);
    this.cancel('tick');
    this.repeat('bad', { cron: 5 }, 'add'); // must-fail: cron is a string
  }
}
const badLimit: RateLimit = { turns: 20 }; // must-fail: a rate limit needs perMs
await troupe.work({ limits: { counter: { concurrency: 1, rateLimit: { turns: 5, perMs: 100 } } } });

export { n, ctx, s, wrong, paid, schedules, badLimit };
