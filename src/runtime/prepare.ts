/**
 * The checks a message passes before its turn runs, in the order a worker applies them: size,
 * decoding, routing, time to live, handler, arguments. A message that fails one goes to the dead
 * letters with the check's reason (docs/protocol.md "What a worker does with a bad envelope").
 */
import { checkArgs } from '../actor/check-args.ts';
import { UnsupportedVersionError } from '../errors.ts';
import type { DeadLetterReason } from '../protocol/dead-letter-reasons.ts';
import { decodeEnvelope, type Envelope } from '../protocol/envelope.ts';
import type { ActiveActor } from './active-actor.ts';

export function errorInfo(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error)
    return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: 'Error', message: String(err) };
}

/** Failures so far of `messageId`, from the actor's attempts record ("<message id> <n>"). */
export function priorFailures(record: string, messageId: string): number {
  const space = record.lastIndexOf(' ');
  return space > 0 && record.slice(0, space) === messageId ? Number(record.slice(space + 1)) || 0 : 0;
}

/** One message, decoded or not, and what to do with it. */
export type Prepared =
  | { kind: 'run'; env: Envelope; fn: (...args: unknown[]) => unknown }
  | { kind: 'dead'; reason: DeadLetterReason; error: string; env?: Envelope };

/**
 * Why a message that has not started yet is too old to start now, or undefined: its ttl (else its
 * type's messageTtlMs) counts from when it was sent, or fell due if it was delayed. A message that
 * started before (a retry) runs on.
 */
function expiry(env: Envelope, typeTtl: number, clock: () => number, attempts: string): string | undefined {
  const ttl = env.ttl ?? typeTtl;
  const from = env.due ?? env.sentAt;
  if (ttl <= 0 || from <= 0) return undefined;
  const now = clock();
  if (now - from <= ttl) return undefined;
  if (priorFailures(attempts, env.id) > 0) return undefined;
  const what = env.due === undefined ? 'sent' : 'due';
  return `not started within its time to live of ${ttl} ms (${what} ${Math.round(now - from)} ms ago)`;
}

export function prepare(
  actor: ActiveActor,
  bytes: Buffer,
  maxBytes: number,
  now: () => number,
  attempts: string,
): Prepared {
  if (bytes.length > maxBytes) {
    return {
      kind: 'dead',
      reason: 'oversized',
      error: `${bytes.length} bytes; this worker takes at most ${maxBytes}`,
    };
  }
  let env: Envelope;
  try {
    env = decodeEnvelope(bytes);
  } catch (err) {
    const reason = err instanceof UnsupportedVersionError ? 'unsupported-version' : 'undecodable';
    return { kind: 'dead', reason, error: errorInfo(err).message };
  }
  if (`${env.type}/${env.actor}` !== actor.akey) {
    return {
      kind: 'dead',
      reason: 'misrouted',
      error: `envelope addressed to ${env.type}/${env.actor}`,
      env,
    };
  }
  const expired = expiry(env, actor.entry.messageTtlMs, now, attempts);
  if (expired) return { kind: 'dead', reason: 'expired', error: expired, env };
  if (!actor.entry.handlers.has(env.method)) {
    const known = [...actor.entry.handlers].join(', ');
    return {
      kind: 'dead',
      reason: 'unknown-method',
      error: `actor type "${env.type}" has no handler "${env.method}" (handlers: ${known})`,
      env,
    };
  }
  // senders that bypass the typed client (JSON, HTTP, other languages) are checked here
  const checked = checkArgs(actor.entry, env.method, env.args);
  if (!checked.ok) return { kind: 'dead', reason: 'invalid-args', error: checked.error, env };
  if (checked.args !== env.args) env = { ...env, args: checked.args };
  const fn = (actor.instance as unknown as Record<string, (...args: unknown[]) => unknown>)[env.method]!;
  return { kind: 'run', env, fn };
}
