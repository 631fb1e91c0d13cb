import type { Command } from 'commander';
import { ActorRegistry } from '../../actor/registry.ts';
import { migrateLayout, type LayoutMigration } from '../../redis/layout-migration.ts';
import { movePools, type PoolMigration } from '../../redis/pool-migration.ts';
import { withScripts } from '../../redis/scripts.ts';
import { loadActors } from '../load-actors.ts';
import { withCliRedis } from '../redis.ts';
import { withNamespace } from '../namespace.ts';
import { partitionProgress } from '../progress.ts';

/** `troupe migrate`: moves a namespace's stored data to this version's layout. */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      "move the namespace's stored data to this version's layout, and actor types to the pools their classes name",
    )
    .option(
      '-a, --actors <modules...>',
      'modules whose actor classes name their pools (static pool): each type is moved to its pool',
    )
    .addHelpText(
      'after',
      `
Stop every worker of the namespace first when it was created by an older Troupe: workers of this
version refuse to start until it is migrated, and older ones would keep writing to the keys it
moves. Run it again any time: it then only stows idle logs that went back to keys of their own,
which is safe beside running workers and never changes what a log reads.

With --actors, each type whose class names another pool than the one its actors live in (before
pools, every type lived in pool "default") is moved there: mailboxes, logs, timers, records, directory and index entries.
Moving needs every worker of the namespace stopped; a stop midway loses nothing, run it again.

Examples:
  $ troupe -n shop migrate
  $ troupe -n shop migrate --actors ./dist/actors.js   after giving Payment \`static pool = 'critical'\``,
    )
    .action(async (opts: { actors?: string[] }, cmd: Command) => {
      const classes = opts.actors ? await loadActors(opts.actors) : [];
      const types = new ActorRegistry(classes);
      const wanted = types.types().map((type) => ({ type, pool: types.require(type).pool }));
      const done = await withNamespace(cmd, (troupe, g) =>
        withCliRedis(g, async (redis) => {
          const bar = partitionProgress('migrating');
          let logs: LayoutMigration;
          try {
            logs = await migrateLayout(redis, troupe.keys, (done, of, so) =>
              bar.update(done, of, `${so.logs} logs stowed`),
            );
          } finally {
            bar.stop();
          }
          const pools = await movePools(redis, withScripts(redis), troupe.keys, wanted, (n, of) => {
            if (n === of || n % 16 === 0) process.stderr.write(`moving types: ${n}/${of} partitions\n`);
          });
          return { pools, logs };
        }),
      );
      process.stdout.write(summary(done.pools, done.logs));
    });
}

function summary(pools: PoolMigration, m: LayoutMigration): string {
  const lines = pools.moved.map(
    (t) =>
      `moved type ${t.type} from pool ${t.from} to pool ${t.to}: ${t.actors} actor(s), ${t.messages} message(s) waiting`,
  );
  if (pools.recorded.length > 0) lines.push(`already in their pools: ${pools.recorded.join(', ')}`);
  const layout = m.from === m.to ? `already at layout ${m.to}` : `layout ${m.from} -> ${m.to}`;
  const dead =
    m.from === m.to
      ? ''
      : `${m.from < 4 ? `, ${m.deadLetters} dead letter(s) moved to their partitions' streams` : ''}, ${m.listed} actor(s) listed in the directory`;
  lines.push(`${layout}${dead}; ${m.logs} log(s) stowed in log buckets (${m.entries} entries).`);
  return lines.join('\n') + '\n';
}
