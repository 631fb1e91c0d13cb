import type { Command } from 'commander';
import { connect } from '../../client/troupe.ts';
import type { GlobalOptions } from '../options.ts';
import { globalOptions } from '../options.ts';
import type { Troupe } from '../../client/troupe.ts';

/** Runs `fn` with a client for one shell command. */
async function withTroupe<T>(g: GlobalOptions, fn: (troupe: Troupe) => Promise<T>): Promise<T> {
  const troupe = await connect({ redis: g.redis, namespace: g.namespace });
  try {
    return await fn(troupe);
  } finally {
    await troupe.close();
  }
}

/** `troupe workers`, `shutdown`, `pause`, `resume`, `abort`: steering live workers over Redis. */
export function adminCommands(program: Command): void {
  program
    .command('workers')
    .description('list the live workers: partitions held, turns, busy time')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withTroupe(globalOptions(cmd), async (troupe) => {
        const workers = await troupe.admin.workers();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(workers, null, 2)}\n`);
          return;
        }
        for (const w of workers) process.stdout.write(`${w.name}\n`);
      });
    });
}
