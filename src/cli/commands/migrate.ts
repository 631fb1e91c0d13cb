import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { migrateLogLayout, type LayoutMigration } from '../../redis/log-layout.ts';
import { withCliRedis } from '../redis.ts';
import { withNamespace } from '../namespace.ts';

/** `troupe migrate`: moves a namespace's stored data to this version's layout. */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      "move the namespace's stored context logs to this version's layout (idle logs in log buckets)",
    )
    .addHelpText(
      'after',
      `
Stop every worker older than this version first: it cannot read logs in the new layout. Workers of
this version may keep running, and the command is safe to run again; it never changes what a log
reads. A namespace created by this version needs no migration.

Examples:
  $ troupe -n shop migrate`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const done = await withNamespace(cmd, (troupe, g) =>
        withCliRedis(g, async (redis) => {
          const bar = progressBar(troupe.partitions);
          try {
            return await migrateLogLayout(redis, troupe.keys, troupe.partitions, bar.update);
          } finally {
            bar.stop();
          }
        }),
      );
      process.stdout.write(summary(done));
    });
}

function summary(m: LayoutMigration): string {
  const layout = m.from === m.to ? `already at log layout ${m.to}` : `log layout ${m.from} -> ${m.to}`;
  return `${layout}; ${m.logs} log(s) stowed in log buckets (${m.entries} entries). Restart workers of this version that ran before, so they stow idle logs too.\n`;
}

/** A live bar on a terminal; otherwise a line at every tenth of the partitions. */
function progressBar(partitions: number): {
  update: (done: number, of: number, so: LayoutMigration) => void;
  stop: () => void;
} {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: 'migrating [{bar}] {value}/{total} partitions | {logs} logs stowed | {duration_formatted}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    bar.start(partitions, 0, { logs: 0 });
    return { update: (done, _of, so) => bar.update(done, { logs: so.logs }), stop: () => bar.stop() };
  }
  let nextTenth = 1;
  return {
    update: (done, of, so) => {
      if (done * 10 < nextTenth * of) return;
      nextTenth = Math.floor((done * 10) / of) + 1;
      process.stderr.write(`migrating: ${done}/${of} partitions, ${so.logs} logs stowed\n`);
    },
    stop: () => {},
  };
}
