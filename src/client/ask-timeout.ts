import type { RedisClient } from '../redis/client.ts';
import { TimeoutError } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';

/**
 * What an ask that got no reply should say. When the actor's type is paused (`troupe pause`), no
 * worker runs its messages until someone resumes it, and a plain timeout would send the user looking
 * at the workers instead; so the error says so, names the command, and carries `pausedType`. Any
 * other error, or a failure to look, leaves `err` as it was.
 */
export async function explainAskTimeout(
  err: unknown,
  redis: RedisClient,
  keys: Keys,
  ask: { type: string; what: string; timeoutMs: number },
): Promise<unknown> {
  if (!(err instanceof TimeoutError)) return err;
  let paused: boolean;
  try {
    paused = (await redis.sismember(keys.pausedTypes(), ask.type)) === 1;
  } catch {
    return err;
  }
  if (!paused) return err;
  return new TimeoutError(
    `${ask.what} got no reply within ${ask.timeoutMs} ms: actor type "${ask.type}" is paused, so no worker ` +
      `runs its messages. Resume it with: troupe resume ${ask.type} (or troupe.admin.resume('${ask.type}')); ` +
      'the message stays queued and runs once the type is resumed.',
    { cause: err, pausedType: ask.type },
  );
}
