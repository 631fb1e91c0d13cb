import { HandlerTimeoutError } from '../errors.ts';
import type { ActiveActor } from './active-actor.ts';

/** How a handler ended: its value, or what it threw (or why it was abandoned). */
export type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * Settles with the handler's outcome; or, aborting its signal, with a HandlerTimeoutError past the
 * type's timeoutMs, or with the error `actor.cancel` is given (an operator stopping the turn).
 */
export function withTimeout(
  value: PromiseLike<unknown>,
  actor: ActiveActor,
  abort: AbortController,
  method: string,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const settle = (outcome: Outcome): void => {
      clearTimeout(timer);
      actor.cancel = undefined;
      resolve(outcome);
    };
    const fail = (err: unknown): void => {
      // the handler is abandoned, not stopped: it may still call append or send later
      actor.tainted = true;
      abort.abort(err);
      settle({ ok: false, err });
    };
    const ms = actor.entry.timeoutMs;
    const timer = setTimeout(() => {
      fail(
        new HandlerTimeoutError(
          `${actor.akey} ${method} ran past its timeoutMs (${ms} ms); raise static timeoutMs if it needs longer`,
        ),
      );
    }, ms);
    actor.cancel = fail;
    Promise.resolve(value).then(
      (v) => settle({ ok: true, value: v }),
      (err: unknown) => settle({ ok: false, err }),
    );
  });
}
