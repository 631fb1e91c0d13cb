import type { Command } from 'commander';
import { messageArguments, messageTarget, withTroupe } from '../message-command.ts';

/** `troupe send`: tells an actor a message and returns once it is durably in Redis. */
export function sendCommand(program: Command): void {
  messageArguments(
    program.command('send').description('send a message (tell); returns once it is stored in Redis'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ troupe send counter c-1 add 5
  $ troupe send counter c-1 add -3
  $ troupe -n shop send cart u-42 addItem '"sku-1"' 2
  $ troupe send cart u-42 addItem --args '["sku-1", 2]'

Prints nothing on stdout; a one-line confirmation goes to stderr. Exit 0 once stored, 2 on a
usage or Redis error.`,
    )
    .action(
      async (type: string, id: string, method: string, words: string[], opts: SendOpts, cmd: Command) => {
        // Decode before connecting so a quoting mistake never touches Redis.
        const target = messageTarget(type, id, method, words, opts.args);
        await withTroupe(cmd, async (troupe, g) => {
          await troupe.ref(target.type, target.id).tell(target.method, ...target.args);
          process.stderr.write(
            `troupe: sent ${target.method} to ${target.type}/${target.id} (namespace ${g.namespace})\n`,
          );
        });
      },
    );
}

interface SendOpts {
  args?: string;
}
