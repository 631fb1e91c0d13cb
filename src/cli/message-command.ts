import type { Command } from 'commander';
import { messageArgs } from './message-args.ts';
import { intOption } from './options.ts';

/** One message named on the command line: the actor, the method and the decoded arguments. */
export interface MessageTarget {
  type: string;
  id: string;
  method: string;
  args: unknown[];
}

/**
 * Declares the `<type> <id> <method> [args...]` arguments and `--args` option that send and ask
 * share. `optional` declares them as `[type]`… for a command that checks them itself (send, whose
 * --stdin takes at most a type).
 */
export function messageArguments(cmd: Command, optional = false): Command {
  const name = (n: string) => (optional ? `[${n}]` : `<${n}>`);
  return cmd
    .argument(name('type'), 'actor type, e.g. counter')
    .argument(name('id'), 'actor id, e.g. c-1')
    .argument(name('method'), 'handler to call, e.g. add')
    .argument('[args...]', 'handler arguments, each one JSON: 5, true, \'"text"\', \'{"a":1}\'')
    .option('--args <json>', 'all handler arguments as one JSON array, instead of positional ones')
    .option(
      '--ttl <ms>',
      "time to live: not started within this many ms, it is dead-lettered as 'expired'",
      intOption,
    );
}

/** The ref options of a message sent with `--ttl`. */
export function ttlOption(ttl: number | undefined): { messageTtlMs?: number } {
  return ttl === undefined ? {} : { messageTtlMs: ttl };
}

/** Decodes the arguments commander hands an action of a command built with messageArguments(). */
export function messageTarget(
  type: string,
  id: string,
  method: string,
  words: readonly string[],
  argsOption: string | undefined,
): MessageTarget {
  return { type, id, method, args: messageArgs(words, argsOption) };
}
