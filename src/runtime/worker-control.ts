import type { RedisClient } from '../redis/client.ts';
import { TurnAbortedError } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';
import { decodeControl, type AbortOutcome, type ControlCommand } from '../protocol/control.ts';
import type { Logger } from '../logger.ts';
import type { Ownership } from './ownership.ts';
import type { Partition } from './partition.ts';

/** What a worker exposes to the commands it is sent (see protocol/control.ts). */
export interface ControlTarget {
  commands: RedisClient;
  keys: Keys;
  log: Logger;
  ownership: Ownership;
  owned: ReadonlyMap<number, Partition>;
  stop(): Promise<void>;
}

/** Carries out one control message; never throws (a failure is logged). */
export async function obey(t: ControlTarget, message: string): Promise<void> {
  const cmd = decodeControl(message);
  if (!cmd) {
    t.log.warn({ message }, 'unknown control message ignored (sent by a newer Troupe?)');
    return;
  }
  try {
    await run(t, cmd);
  } catch (err) {
    t.log.warn({ err, command: cmd.kind }, 'control command failed');
  }
}

async function run(t: ControlTarget, cmd: ControlCommand): Promise<void> {
  switch (cmd.kind) {
    case 'rebalance':
      t.ownership.tick();
      return;
    case 'shutdown':
      t.log.info({}, 'shutdown requested over Redis: stopping gracefully');
      await t.stop();
      return;
    case 'paused':
      t.ownership.setPaused(await t.commands.smembers(t.keys.pausedTypes()));
      // the heartbeat in this tick tells `troupe pause` the new set is applied here
      t.ownership.tick();
      return;
    case 'abort': {
      const outcome = abortTurn(t, cmd.akey);
      await t.commands.multi().rpush(cmd.replyTo, outcome).pexpire(cmd.replyTo, 60_000).exec();
    }
  }
}

/** Ends the turn running for akey with a TurnAbortedError: its message is dead-lettered. */
function abortTurn(t: ControlTarget, akey: string): AbortOutcome {
  // a handler stuck in synchronous code holds the event loop, so this never runs during one:
  // an actor without `cancel` is between turns (or committing), and there is nothing to stop
  for (const s of t.owned.values()) {
    const actor = s.actor(akey);
    if (!actor?.cancel) continue;
    t.log.warn({ actor: akey }, 'turn aborted by an operator');
    actor.cancel(new TurnAbortedError(`${akey}: turn aborted by an operator`));
    return 'aborted';
  }
  return 'not-running';
}
