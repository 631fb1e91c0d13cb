import { InvalidArgumentError, type Command } from 'commander';
import { ActorRegistry, type RegisteredActor } from '../../actor/registry.ts';
import type { ActorClass } from '../../actor/types.ts';
import { ConfigError } from '../../errors.ts';
import { checkName } from '../../redis/keys.ts';
import { toJson } from '../json-output.ts';
import { renderInspect } from '../inspect-text.ts';
import { loadActors } from '../load-actors.ts';
import { withNamespace } from '../namespace.ts';
import { timeOption } from '../time-option.ts';

/** `troupe inspect`: everything Redis holds about one actor, read without writing anything. */
export function inspectCommand(program: Command): void {
  program
    .command('inspect')
    .description("show one actor's context log, merge state, mailbox and folded context (read-only)")
    .argument('<type>', 'actor type, e.g. counter')
    .argument('<id>', 'actor id, e.g. c-1')
    .option('-a, --actors <modules...>', 'modules exporting the actor class, to fold the context')
    .option('--last <n>', 'how many of the newest segments to show', countOption, 10)
    .option('--json', 'print one JSON object instead of text')
    .option(
      '--at <time>',
      'fold the context as of this time, as read({ at }) does: epoch ms or an ISO date (needs --actors)',
      timeOption,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ troupe inspect counter c-1 --actors ./src/actors.ts
  $ troupe -n shop inspect cart u-42 --last 50
  $ troupe inspect counter c-1 -a ./src/actors.ts --json | jq .context
  $ troupe inspect counter c-1 -a ./src/actors.ts --at 2024-06-10T12:00:00Z
  $ troupe inspect counter c-1 -a ./src/actors.ts --at 1718020800000

Reads only (one MULTI of reads); never writes to Redis. Without --actors the folded context cannot
be computed (it needs the class's initial and apply), so the base and raw segments are shown.
Exit 0 on success, 2 when the namespace does not exist, Redis cannot be reached or a name is bad.`,
    )
    .action(async (type: string, id: string, opts: InspectOpts, cmd: Command) => {
      checkName('actor type', type);
      if (id === '') throw new ConfigError('an actor id must be a non-empty string');
      if (opts.at !== undefined && !opts.actors) {
        throw new ConfigError(
          `--at folds the context as of a time, which needs the ${type} class: add --actors <module>`,
        );
      }
      // load the classes first, so a bad module path fails before touching Redis
      const entry = opts.actors ? findClass(type, await loadActors(opts.actors)) : undefined;
      const report = await withNamespace(
        cmd,
        (troupe) =>
          troupe.admin.inspect(type, id, {
            last: opts.last,
            ...(opts.at === undefined ? {} : { at: opts.at }),
          }),
        entry ? { actors: [entry.cls] } : {},
      );
      // the library's advice speaks of connect(); say it in the shell's terms
      if (!entry) report.note = `the folded context needs the ${type} class: pass --actors <module>`;
      process.stdout.write(opts.json ? `${toJson(report)}\n` : renderInspect(report));
    });
}

interface InspectOpts {
  actors?: string[];
  last: number;
  json?: boolean;
  at?: number;
}

/** Like intOption, but 0 is fine: `--last 0` hides the segments. */
function countOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

function findClass(type: string, classes: readonly ActorClass[]): RegisteredActor {
  const registry = new ActorRegistry(classes);
  const entry = registry.get(type);
  if (!entry) {
    throw new ConfigError(
      `no actor class of type "${type}" in the --actors modules (found: ${registry.types().join(', ')})`,
    );
  }
  return entry;
}
