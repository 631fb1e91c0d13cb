import type { Command } from 'commander';
import { loadFunctionsEverywhere } from '../../redis/functions.ts';
import { Keys } from '../../redis/keys.ts';
import { ensureMeta } from '../../redis/meta.ts';
import { globalOptions, intOption } from '../options.ts';
import { withCliRedis } from '../redis.ts';

/** `troupe setup`: creates the namespace (its partition count) and installs the send functions. */
export function setupCommand(program: Command): void {
  program
    .command('setup')
    .description('create the namespace and install the send path as Redis Functions (FCALL troupe_tell …)')
    .option('-p, --partitions <n>', 'partition count of a new namespace (fixed once created)', intOption)
    .addHelpText(
      'after',
      `
Examples:
  $ troupe setup                          default namespace, 64 partitions, functions loaded
  $ troupe -n shop setup --partitions 128

Safe to run again: an existing namespace keeps its partition count (a different --partitions is an
error), and the function library is replaced only by a newer version. Workers load the functions
too, so this is only needed before senders that use FCALL start ahead of any worker.`,
    )
    .action(async (opts: { partitions?: number }, cmd: Command) => {
      const g = globalOptions(cmd);
      await withCliRedis(g, async (redis) => {
        const partitions = await ensureMeta(redis, new Keys(g.namespace), opts.partitions);
        const fns = await loadFunctionsEverywhere(redis);
        const functions =
          fns.status === 'unsupported'
            ? `not installed: this Redis has no functions (7.0+ needed; senders use EVAL/EVALSHA instead)`
            : `library troupe v${fns.version} ${fns.status}`;
        process.stdout.write(`namespace ${g.namespace}: ${partitions} partitions; functions: ${functions}\n`);
      });
    });
}
