/**
 * Flow control: what a limited type costs beside an unlimited one. The throughput scenario's
 * processes (the README's sender, one worker) send N messages to 1k actors of one type, run with
 * no limit, with a concurrency limit that never binds (the worker's own concurrency, 64: the price
 * of taking and giving back a slot per batch alone), with one that binds (8 at once), and with a
 * rate limit that binds (5,000 turn starts per second). Taking turns on fresh servers.
 */
import type { Scenario } from '../lib/scenario.ts';
import { formatCount } from '../lib/timing.ts';
import { inTurns, rowsOf, troupeSystem } from './closed-loop.ts';
import { shortCount } from './systems.ts';

const TYPE = 'bench-counter';
const RATE = { turns: 5_000, perMs: 1_000 };

export const flow: Scenario = {
  name: 'flow',
  title: 'Flow control: a type limited by concurrency or rate beside the same type unlimited',
  async run(ctx) {
    const n = ctx.quick ? 5_000 : 50_000;
    const load = { messages: n, actors: 1_000 };
    const kase = `${shortCount(n)} msgs to 1k actors`;
    const runs = await inTurns(ctx, `flow, ${shortCount(n)}`, n, [
      ['unlimited', troupeSystem(load)],
      [
        'concurrency 64 (not binding)',
        troupeSystem(load, { work: { limits: { [TYPE]: { concurrency: 64 } } } }),
      ],
      ['concurrency 8', troupeSystem(load, { work: { limits: { [TYPE]: { concurrency: 8 } } } })],
      [
        `rateLimit ${formatCount(RATE.turns)}/s`,
        troupeSystem(load, { work: { limits: { [TYPE]: { rateLimit: RATE } } } }),
      ],
    ]);
    const { measurements, cpu } = rowsOf('flow', kase, load, runs);
    return {
      measurements,
      targets: [],
      cpu,
      notes: [
        `${formatCount(n)} add(1) messages to 1,000 actors of one type: one sender process (the README's path), one worker process (concurrency 64, other options default); every context checked.`,
        'The limits are given as troupe.work({ limits }) (the same as static concurrency / rateLimit on the class). A batch of a limited type takes a slot and, with a rate limit, its turn starts in one script call (limit_take.lua; rate_take.lua when it has only a rate limit) before it runs; one without parks its actor until it may.',
      ],
    };
  },
};
