import assert from 'node:assert/strict';
import { connect, type ConnectOptions, type Troupe, type Where } from '../../src/index.ts';
import { Order, type OrderCtx, type OrderSeg } from '../fixtures/orders.ts';
import { prng as random } from './random.ts';
import { uniqueNamespace, waitFor } from './wait.ts';

// Random updates, destroys and queries against a model kept here: what the directory and the
// indexes answer must be what the model, fed the same committed turns, says.

const STATUSES = ['open', 'late', 'paid', 'o', 'open2'];
const REGIONS = ['eu', 'us', undefined];
const TOTALS = [-10, 0, 0.5, 7, 100, 150, 499.99, 500, 1e9];

type Model = Map<string, OrderCtx>;
type Range = { gt?: number; gte?: number; lt?: number; lte?: number };

function meets(ctx: OrderCtx, where: Record<string, unknown>): boolean {
  return Object.entries(where).every(([field, cond]) => {
    const v = (ctx as Record<string, unknown>)[field];
    if (v === undefined || v === null) return false;
    if (typeof cond !== 'object' || cond === null) return v === cond;
    if (typeof v !== typeof Object.values(cond)[0]) return false;
    const r = cond as Range;
    const x = v as number;
    return (
      (r.gt === undefined || x > r.gt) &&
      (r.gte === undefined || x >= r.gte) &&
      (r.lt === undefined || x < r.lt) &&
      (r.lte === undefined || x <= r.lte)
    );
  });
}

function randomWhere(rnd: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const where: Record<string, unknown> = {};
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const kind = pick(['status', 'region', 'vip', 'total', 'totalRange', 'statusRange']);
    if (kind === 'status') where.status = pick(STATUSES);
    if (kind === 'region') where.region = pick(['eu', 'us']);
    if (kind === 'vip') where.vip = rnd() < 0.5;
    if (kind === 'total') where.total = pick(TOTALS);
    if (kind === 'totalRange') {
      const [a, b] = [pick(TOTALS), pick(TOTALS)].sort((x, y) => x - y);
      where.total = rnd() < 0.5 ? { gte: a, lt: b } : rnd() < 0.5 ? { gt: a } : { lte: b };
    }
    if (kind === 'statusRange') where.status = { gte: 'o', lt: 'p' };
  }
  return where;
}

async function check(
  troupe: Troupe,
  model: Model,
  where: Record<string, unknown> | undefined,
): Promise<void> {
  const want = [...model]
    .filter(([, ctx]) => !where || meets(ctx, where))
    .map(([id]) => id)
    .sort();
  const orders = troupe.actors(Order);
  const query = where ? { where: where as Where<typeof Order> } : {};
  const got: string[] = [];
  for await (const id of orders.ids(query)) got.push(id);
  assert.deepEqual(got.sort(), want, `ids ${JSON.stringify(where)}`);
  assert.equal(await orders.count(query), want.length, `count ${JSON.stringify(where)}`);
}

/** Twelve rounds of random turns on a fresh namespace of `redis`, each followed by queries checked against the model. */
export async function indexProperty(redis: ConnectOptions['redis'], seed: number): Promise<Troupe> {
  const troupe = await connect({ redis, namespace: uniqueNamespace('prop'), actors: [Order], partitions: 4 });
  try {
    const rnd = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const worker = await troupe.work({ leaseMs: 2000 });
    let committed = 0;
    worker.on('committed', (_p, turns) => {
      for (const t of turns) committed += t.messages;
    });
    const model: Model = new Map();
    let sent = 0;
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 40; i++) {
        const id = `o${Math.floor(rnd() * 25)}`;
        const ref = troupe.ref(Order, id);
        const op = rnd();
        const ctx = model.get(id) ?? new Order().initial();
        if (op < 0.12) {
          await ref.tell('close');
          model.delete(id);
        } else if (op < 0.18) {
          const seg: OrderSeg = { status: pick(STATUSES) };
          await ref.tell('reopen', seg);
          model.set(id, { ...new Order().initial(), ...seg });
        } else if (op < 0.25) {
          await ref.tell('touch');
          model.set(id, ctx);
        } else {
          const seg: OrderSeg = {};
          if (rnd() < 0.6) seg.status = pick(STATUSES);
          if (rnd() < 0.4) seg.total = pick(TOTALS);
          if (rnd() < 0.3) seg.region = pick(REGIONS);
          if (rnd() < 0.3) seg.vip = rnd() < 0.5;
          await ref.tell('set', seg);
          model.set(id, { ...ctx, ...seg });
        }
        sent++;
      }
      await waitFor('every message committed', () => committed >= sent);
      await check(troupe, model, undefined);
      for (let q = 0; q < 6; q++) await check(troupe, model, randomWhere(rnd));
    }
  } catch (err) {
    await troupe.close();
    throw err;
  }
  return troupe;
}
