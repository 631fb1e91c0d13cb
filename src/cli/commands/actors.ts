import { InvalidArgumentError, type Command } from 'commander';
import { checkName } from '../../redis/keys.ts';
import { toJson } from '../json-output.ts';
import { loadActors } from '../load-actors.ts';
import { withNamespace } from '../namespace.ts';
import { parseWhereText } from '../../client/where-text.ts';

/** commander's parser for a repeated --where: a bad condition is a usage error. */
function whereOption(arg: string, previous?: Record<string, unknown>): Record<string, unknown> {
  try {
    return parseWhereText(arg, previous as Parameters<typeof parseWhereText>[1]);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

interface ActorsOpts {
  where?: Record<string, unknown>;
  count?: boolean;
  json?: boolean;
  actors?: string[];
}

/** `troupe actors`: the ids of a type's actors, or those whose indexes meet --where. */
export function actorsCommand(program: Command): void {
  program
    .command('actors')
    .description("list a type's actors, or those whose secondary indexes meet --where (AND)")
    .argument('<type>', 'actor type, e.g. order')
    .option(
      '-w, --where <condition>',
      'field=value, field>=value (also >, <, <=); repeat for AND',
      whereOption,
    )
    .option('--count', 'print how many instead of their ids')
    .option('--json', 'print JSON: an array of ids, or { "count": n }')
    .option(
      '-a, --actors <modules...>',
      "modules exporting the type's class: fields are checked before the query",
    )
    .addHelpText(
      'after',
      `
Values: true and false are booleans, numbers are numbers, anything else a string; quote a value to
keep it a string (status='"123"'). Strings compare by code point.

Examples:
  $ troupe -n shop actors order
  $ troupe -n shop actors order --where status=late --count
  $ troupe -n shop actors order --where 'total>=100' --where 'total<500' --json

Reads only. Exit 0 on success, 2 on a bad condition, an index being rebuilt, or Redis unreachable.`,
    )
    .action(async (type: string, opts: ActorsOpts, cmd: Command) => {
      checkName('actor type', type);
      const classes = opts.actors ? await loadActors(opts.actors) : [];
      await withNamespace(
        cmd,
        async (troupe) => {
          const actors = troupe.actors(type);
          const query = opts.where ? { where: opts.where as never } : {};
          if (opts.count) {
            const n = await actors.count(query);
            process.stdout.write(opts.json ? `${toJson({ count: n })}\n` : `${n}\n`);
            return;
          }
          const ids: string[] = [];
          for await (const id of actors.ids(query)) {
            if (opts.json) ids.push(id);
            else process.stdout.write(`${id}\n`);
          }
          if (opts.json) process.stdout.write(`${toJson(ids)}\n`);
        },
        { actors: classes },
      );
    });
}
