import type { Command } from 'commander';
import { ActorRegistry } from '../../actor/registry.ts';
import { ConfigError } from '../../errors.ts';
import { checkName } from '../../redis/keys.ts';
import { toJson } from '../json-output.ts';
import { loadActors } from '../load-actors.ts';
import { withNamespace } from '../namespace.ts';
import { partitionProgress } from '../progress.ts';

/** `troupe reindex`: rebuilds a type's secondary indexes after its `static indexes` changed. */
export function reindexCommand(program: Command): void {
  program
    .command('reindex')
    .description("rebuild a type's secondary indexes from its actors' contexts, after static indexes changed")
    .argument('<type>', 'actor type, e.g. order')
    .requiredOption('-a, --actors <modules...>', "modules exporting the type's class (its indexes and fold)")
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
Run it once every worker runs the new definitions. Safe beside running workers (an actor whose
log changes while it is read is read again), and resumable: a run stopped midway goes on where it
stopped when run again. Until it ends, queries on the type's indexes are refused with an
IndexRebuildingError rather than answered partially. Indexes no longer declared are deleted.

Examples:
  $ troupe -n shop reindex order --actors ./dist/actors.js`,
    )
    .action(async (type: string, opts: { actors: string[]; json?: boolean }, cmd: Command) => {
      checkName('actor type', type);
      const classes = await loadActors(opts.actors);
      const registry = new ActorRegistry(classes);
      const entry = registry.get(type);
      if (!entry) {
        throw new ConfigError(
          `no actor class of type "${type}" in the --actors modules (found: ${registry.types().join(', ') || 'none'})`,
        );
      }
      const result = await withNamespace(
        cmd,
        async (troupe) => {
          const bar = partitionProgress(`reindexing ${type}`);
          try {
            return await troupe.actors(entry.cls).reindex({
              onProgress: (p) => bar.update(p.partitions, p.of, `${p.actors} actors`),
            });
          } finally {
            bar.stop();
          }
        },
        { actors: classes },
      );
      if (opts.json) {
        process.stdout.write(`${toJson(result)}\n`);
        return;
      }
      const fields = result.fields.join(', ') || 'none';
      const removed = result.removed.length > 0 ? `; deleted the ${result.removed.join(', ')} index` : '';
      const resumed = result.resumed ? ' (went on from a stopped run)' : '';
      process.stdout.write(
        `reindexed ${result.actors} actor(s) of ${type} in ${result.partitions} partition(s)${resumed}: ${fields}${removed}\n`,
      );
    });
}
