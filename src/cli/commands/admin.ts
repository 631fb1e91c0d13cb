import type { Command } from 'commander';
import type { WorkerInfo } from '../../client/admin.ts';
import { ConfigError } from '../../errors.ts';
import { withNamespace } from '../namespace.ts';
import { intOption } from '../options.ts';
import { duration, ranges, table } from '../text.ts';

/** The `troupe workers` table: one line per live worker. */
export function workersTable(workers: readonly WorkerInfo[], now: number): string {
  if (workers.length === 0) return 'no live workers';
  const head = [
    'NAME',
    'UP',
    'POOLS',
    'PARTITIONS',
    'TURNS OK',
    'FAILED',
    'BUSY',
    'IN FLIGHT',
    'ACTORS',
    'TYPES',
  ];
  const rows = workers.map((w) => [
    w.name,
    duration(now - w.startedAt),
    w.pools.join(',') || 'default',
    `${w.partitions.length} (${ranges(w.partitions, ',') || '-'})`,
    String(w.turnsSucceeded),
    String(w.turnsFailed),
    duration(w.busyMs),
    String(w.currentTurns),
    String(w.activeActors),
    w.types.join(','),
  ]);
  return table(head, rows, '').join('\n');
}

const waitOption = ['--timeout <ms>', 'give up waiting for the workers after this long'] as const;

/** `troupe workers`, `shutdown`, `pause`, `resume`, `abort`: steering live workers over Redis. */
export function adminCommands(program: Command): void {
  program
    .command('workers')
    .description('list the live workers: partitions held, turns, busy time, recent births and deaths')
    .option('--json', 'print the registry entries as JSON')
    .option('--events <n>', 'also show the newest n worker events (born, left, expired)', intOption)
    .addHelpText(
      'after',
      `
Examples:
  $ troupe workers
  $ troupe workers --events 20
  $ troupe workers --json | jq '.[] | {name, partitions}'`,
    )
    .action(async (opts: { json?: boolean; events?: number }, cmd: Command) => {
      await withNamespace(cmd, async (troupe) => {
        const workers = await troupe.admin.workers();
        const events = opts.events ? await troupe.admin.workerEvents(opts.events) : [];
        if (opts.json) {
          const out = opts.events ? { workers, events } : workers;
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${workersTable(workers, Date.now())}\n`);
        for (const e of events) {
          process.stdout.write(`${new Date(e.at).toISOString()}  ${e.event.padEnd(8)}  ${e.worker}\n`);
        }
      });
    });

  program
    .command('shutdown')
    .description('stop a worker gracefully, as SIGTERM does, and wait until it has left')
    .argument('<worker>', 'worker name, as "troupe workers" lists it')
    .option(...waitOption, intOption)
    .addHelpText('after', '\nExample:\n  $ troupe shutdown web-1:4242:Xa9Kq2')
    .action(async (worker: string, opts: { timeout?: number }, cmd: Command) => {
      await withNamespace(cmd, async (troupe) => {
        await troupe.admin.shutdown(worker, timeout(opts));
        process.stdout.write(`worker ${worker} stopped; its partitions were handed over\n`);
      });
    });

  program
    .command('pause')
    .description('pause an actor type: no new turns start, its mail waits until "troupe resume"')
    .argument('<type>', 'actor type')
    .option(...waitOption, intOption)
    .addHelpText('after', '\nExample:\n  $ troupe pause order && deploy-fix && troupe resume order')
    .action(async (type: string, opts: { timeout?: number }, cmd: Command) => {
      await withNamespace(cmd, async (troupe) => {
        const workers = await troupe.admin.pause(type, timeout(opts));
        process.stdout.write(`paused ${type}: ${applied(workers)}\n`);
        const live = await troupe.admin.workers();
        if (live.length > 0 && !live.some((w) => w.types.includes(type))) {
          const known = [...new Set(live.flatMap((w) => w.types))].sort().join(', ');
          process.stderr.write(
            `troupe: note: no live worker runs actor type "${type}" (they run: ${known}); a typo? "troupe resume ${type}" undoes it\n`,
          );
        }
      });
    });

  program
    .command('resume')
    .description('resume a paused actor type: its waiting actors are queued again')
    .argument('<type>', 'actor type')
    .option(...waitOption, intOption)
    .action(async (type: string, opts: { timeout?: number }, cmd: Command) => {
      await withNamespace(cmd, async (troupe) => {
        const workers = await troupe.admin.resume(type, timeout(opts));
        process.stdout.write(`resumed ${type}: ${applied(workers)}\n`);
      });
    });

  program
    .command('abort')
    .description("stop an actor's stuck turn: its signal is aborted, its message goes to the dead letters")
    .argument('<type>', 'actor type')
    .argument('<id>', 'actor id')
    .option(...waitOption, intOption)
    .addHelpText(
      'after',
      `
Example:
  $ troupe abort order o-42 && troupe dead-letters list --actor order/o-42`,
    )
    .action(async (type: string, id: string, opts: { timeout?: number }, cmd: Command) => {
      await withNamespace(cmd, async (troupe) => {
        const { worker, outcome } = await troupe.admin.abortTurn(type, id, timeout(opts));
        const akey = `${type}/${id}`;
        if (outcome === 'aborted') {
          process.stdout.write(
            `aborted the turn of ${akey} on ${worker}; its message is in the dead letters\n`,
          );
          return;
        }
        const why = {
          'no-owner': `no worker holds ${akey}'s partition`,
          'not-running': `${akey} has no turn running on ${worker}`,
        }[outcome];
        throw new ConfigError(why);
      });
    });
}

function timeout(opts: { timeout?: number }): { timeoutMs?: number } {
  return opts.timeout ? { timeoutMs: opts.timeout } : {};
}

function applied(workers: readonly string[]): string {
  if (workers.length === 0) return 'no live workers now; workers that start later apply it';
  return `applied by ${workers.length} worker${workers.length === 1 ? '' : 's'}`;
}
