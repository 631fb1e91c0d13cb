import type { MergePolicy } from '../actor/actor.ts';
import type { Envelope } from '../protocol/envelope.ts';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION } from '../protocol/envelope.ts';
import { encodeSegment } from '../protocol/log.ts';
import { partitionOf } from '../protocol/partition.ts';
import { encodeReply } from '../protocol/reply.ts';
import type { ActiveActor } from './active-actor.ts';

/** Everything one actor's batch of turns commits, in the order commit.lua reads it. */
export interface CommitItem {
  akey: string;
  token: string;
  handled: number;
  /** Log length (in segments) at which the commit flags the actor for merging; 0 for never. */
  mergeAt: number;
  segments: Buffer[];
  sends: [partition: number, akey: string, envelope: Buffer][];
  replies: [client: string, payload: Buffer][];
  dead: [reason: string, error: string, attempts: number, envelope: Buffer][];
  /** Messages whose handler succeeded. */
  succeeded: number;
  failed: number;
}

export interface TurnEnv {
  partitions: number;
  now: () => number;
  onHandlerError?: (akey: string, env: Envelope, err: unknown) => void;
}

function errorInfo(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error)
    return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: 'Error', message: String(err) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The log length at which a commit flags the actor for the owner's merge sweep. Lua sees counts,
 * not bytes, so a bytes-only policy is approximated by a count (small segments flag early, which
 * only merges sooner).
 */
function flagAt(policy: Required<MergePolicy>): number {
  if (policy.segments > 0) return policy.segments;
  return policy.bytes > 0 ? Math.max(16, Math.ceil(policy.bytes / 64)) : 0;
}

/** One message, decoded or not, and what to do with it. */
type Prepared =
  | { kind: 'run'; env: Envelope; fn: (...args: unknown[]) => unknown }
  | { kind: 'dead'; reason: string; error: string; env?: Envelope };

function prepare(actor: ActiveActor, bytes: Buffer): Prepared {
  let env: Envelope;
  try {
    env = decodeEnvelope(bytes);
  } catch (err) {
    return { kind: 'dead', reason: 'undecodable', error: errorInfo(err).message };
  }
  if (`${env.type}/${env.actor}` !== actor.akey) {
    return {
      kind: 'dead',
      reason: 'misrouted',
      error: `envelope addressed to ${env.type}/${env.actor}`,
      env,
    };
  }
  if (!actor.entry.handlers.has(env.method)) {
    const known = [...actor.entry.handlers].join(', ');
    return {
      kind: 'dead',
      reason: 'unknown-method',
      error: `actor type "${env.type}" has no handler "${env.method}" (handlers: ${known})`,
      env,
    };
  }
  const fn = (actor.instance as unknown as Record<string, (...args: unknown[]) => unknown>)[env.method]!;
  return { kind: 'run', env, fn };
}

/**
 * Runs a batch of turns for one actor, strictly in mailbox order, and gathers their effects for one
 * commit. Stays synchronous while handlers are, so a batch of plain handlers costs no event-loop hop.
 * A failed handler's segments and sends are discarded and its context restored.
 */
export function runBatch(
  actor: ActiveActor,
  token: string,
  mail: Buffer[],
  env: TurnEnv,
): CommitItem | Promise<CommitItem> {
  const item: CommitItem = {
    akey: actor.akey,
    token,
    handled: mail.length,
    mergeAt: flagAt(actor.entry.merge),
    segments: [],
    sends: [],
    replies: [],
    dead: [],
    succeeded: 0,
    failed: 0,
  };
  const state = actor.state;

  const answer = (msg: Envelope | undefined, error: { name: string; message: string; stack?: string }) => {
    if (msg?.replyTo && msg.corr)
      item.replies.push([msg.replyTo, encodeReply({ corr: msg.corr, ok: false, error })]);
  };

  const finish = (
    msg: Envelope,
    bytes: Buffer,
    before: unknown,
    result: { ok: true; value: unknown } | { ok: false; err: unknown },
  ) => {
    const effects = state.effects!;
    state.effects = undefined;
    if (result.ok) {
      item.succeeded++;
      const ts = env.now();
      for (const seg of effects.segments) item.segments.push(encodeSegment(++actor.seq, ts, seg));
      effects.sends.forEach((s, n) => {
        const out: Envelope = {
          v: ENVELOPE_VERSION,
          // derived from the parent, so a re-run of this turn sends the same ids
          id: `${msg.id}.${n}`,
          type: s.type,
          actor: s.id,
          method: s.method,
          args: s.args,
          sentAt: ts,
          sender: actor.akey,
        };
        item.sends.push([
          partitionOf(s.type, s.id, env.partitions),
          `${s.type}/${s.id}`,
          encodeEnvelope(out),
        ]);
      });
      if (msg.replyTo && msg.corr) {
        item.replies.push([msg.replyTo, encodeReply({ corr: msg.corr, ok: true, value: result.value })]);
      }
    } else {
      item.failed++;
      state.context = before;
      const info = errorInfo(result.err);
      env.onHandlerError?.(actor.akey, msg, result.err);
      // the original bytes, so a retry from the dead letters sends exactly what was sent
      item.dead.push(['handler-error', info.stack ?? `${info.name}: ${info.message}`, 1, bytes]);
      answer(msg, info);
    }
  };

  const step = (i: number): CommitItem | Promise<CommitItem> => {
    for (; i < mail.length; i++) {
      const prepared = prepare(actor, mail[i]!);
      if (prepared.kind === 'dead') {
        item.failed++;
        item.dead.push([prepared.reason, prepared.error, 1, mail[i]!]);
        // an asker gets the reason now rather than a timeout
        answer(prepared.env, { name: 'DeadLetter', message: `${prepared.reason}: ${prepared.error}` });
        continue;
      }
      const msg = prepared.env;
      const before = state.context;
      state.messageId = msg.id;
      state.effects = { segments: [], sends: [] };
      let value: unknown;
      try {
        value = prepared.fn.apply(actor.instance, msg.args);
      } catch (err) {
        finish(msg, mail[i]!, before, { ok: false, err });
        continue;
      }
      if (isThenable(value)) {
        const next = i + 1;
        const bytes = mail[i]!;
        return Promise.resolve(value).then(
          (v) => {
            finish(msg, bytes, before, { ok: true, value: v });
            return step(next);
          },
          (err: unknown) => {
            finish(msg, bytes, before, { ok: false, err });
            return step(next);
          },
        );
      }
      finish(msg, mail[i]!, before, { ok: true, value });
    }
    return item;
  };
  return step(0);
}

/** The ARGV tail commit.lua expects for a list of items. */
export function commitArgs(items: readonly CommitItem[]): (string | number | Buffer)[] {
  const args: (string | number | Buffer)[] = [items.length];
  for (const it of items) {
    args.push(it.akey, it.token, it.handled, it.mergeAt, it.segments.length, ...it.segments, it.sends.length);
    for (const [q, akey, envelope] of it.sends) args.push(q, akey, envelope);
    args.push(it.replies.length);
    for (const [client, payload] of it.replies) args.push(client, payload);
    args.push(it.dead.length);
    for (const [reason, error, attempts, envelope] of it.dead) args.push(reason, error, attempts, envelope);
  }
  return args;
}

/** A batch none of whose messages can run (e.g. no class for the type): all go to dead letters. */
export function deadBatch(
  akey: string,
  token: string,
  mail: Buffer[],
  reason: string,
  error: string,
): CommitItem {
  return {
    akey,
    token,
    handled: mail.length,
    mergeAt: 0,
    segments: [],
    sends: [],
    replies: [],
    dead: mail.map((m) => [reason, error, 1, m]),
    succeeded: 0,
    failed: mail.length,
  };
}
