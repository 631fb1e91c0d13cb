import { nanoid } from 'nanoid';
import { ProtocolError, UnsupportedVersionError } from '../errors.ts';
import { pack, unpack } from './codec.ts';

/** The major version of the envelope format; a worker dead-letters envelopes of any other major. */
export const ENVELOPE_VERSION = 1;

/**
 * Trace context as text-map carrier entries: W3C `traceparent` and `tracestate` (and whatever else
 * the sender's OpenTelemetry propagators write, such as `baggage`).
 */
export type TraceCarrier = Record<string, string>;

/** A `tc` with more entries than this is ignored as malformed. */
const MAX_TRACE_ENTRIES = 16;

/**
 * A message as it travels: a MessagePack map with these keys (see docs/protocol.md).
 */
export interface Envelope {
  /** Envelope format version. */
  v: number;
  /** Unique message id; `this.messageId` inside the handler. */
  id: string;
  /** Actor type. */
  type: string;
  /** Actor id. */
  actor: string;
  /** Handler method name. */
  method: string;
  /** Handler arguments. */
  args: unknown[];
  /** Milliseconds since the epoch when it was sent. */
  sentAt: number;
  /** Who sent it: a client id or `<type>/<id>` of an actor. */
  sender?: string;
  /** Client id whose reply list receives the answer (ask). */
  replyTo?: string;
  /** Correlation id echoed in the reply (ask). */
  corr?: string;
  /** Trace context of the send (see docs/tracing.md); absent when no trace was active. */
  tc?: TraceCarrier;
  /**
   * Time to live in ms: a message not started within this long after it was sent (or, delayed,
   * after it was due) is dead-lettered as `expired`. Overrides the type's `messageTtlMs`.
   */
  ttl?: number;
  /** Milliseconds since the epoch when a delayed message (tellLater, schedule) falls due. */
  due?: number;
  /**
   * Set on a firing of a repeat (`this.repeat`): its name and rule, from which the firing's commit
   * schedules the next one.
   */
  rp?: RepeatTag;
}

/** A repeat firing's name and rule, as its envelope carries them. */
export interface RepeatTag {
  name: string;
  everyMs?: number;
  cron?: string;
  tz?: string;
}

/** The tag of a well-formed `rp`, else undefined (a malformed one schedules nothing). */
function repeatTag(raw: unknown): RepeatTag | undefined {
  if (!isRecord(raw) || typeof raw.name !== 'string' || raw.name === '') return undefined;
  if (typeof raw.everyMs === 'number' && raw.everyMs > 0) return { name: raw.name, everyMs: raw.everyMs };
  if (typeof raw.cron !== 'string') return undefined;
  return { name: raw.name, cron: raw.cron, ...(typeof raw.tz === 'string' ? { tz: raw.tz } : {}) };
}

export function newMessageId(): string {
  return nanoid();
}

export function encodeEnvelope(env: Envelope): Buffer {
  return pack(env);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * The string entries of an envelope's `tc`, or undefined when there are none. Trace context is
 * advisory: anything malformed is dropped here, never a reason to dead-letter the message.
 */
function traceCarrier(raw: unknown): TraceCarrier | undefined {
  if (!isRecord(raw)) return undefined;
  let tc: TraceCarrier | undefined;
  let n = 0;
  for (const key in raw) {
    if (++n > MAX_TRACE_ENTRIES) return undefined;
    const value = raw[key];
    if (typeof value === 'string') (tc ??= {})[key] = value;
  }
  return tc;
}

/** Decodes and checks an envelope; throws a ProtocolError whose message says what is wrong. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let raw: unknown;
  try {
    raw = unpack(bytes);
  } catch (cause) {
    throw new ProtocolError('envelope is not valid MessagePack', { cause });
  }
  if (!isRecord(raw)) throw new ProtocolError('envelope must be a MessagePack map');
  if (typeof raw.v !== 'number') throw new ProtocolError('envelope has no numeric "v" (version)');
  if (Math.floor(raw.v) !== ENVELOPE_VERSION) throw new UnsupportedVersionError(raw.v, ENVELOPE_VERSION);
  for (const field of ['id', 'type', 'actor', 'method'] as const) {
    if (typeof raw[field] !== 'string' || raw[field] === '') {
      throw new ProtocolError(`envelope field "${field}" must be a non-empty string`);
    }
  }
  if (!Array.isArray(raw.args)) throw new ProtocolError('envelope field "args" must be an array');
  for (const field of ['ttl', 'due'] as const) {
    const value = raw[field];
    if (
      value !== undefined &&
      value !== null &&
      !(typeof value === 'number' && Number.isFinite(value) && value > 0)
    ) {
      throw new ProtocolError(`envelope field "${field}" must be a positive number of ms when present`);
    }
  }
  for (const field of ['sender', 'replyTo', 'corr'] as const) {
    if (raw[field] !== undefined && raw[field] !== null && typeof raw[field] !== 'string') {
      throw new ProtocolError(`envelope field "${field}" must be a string when present`);
    }
  }
  const env: Envelope = {
    v: raw.v,
    id: raw.id as string,
    type: raw.type as string,
    actor: raw.actor as string,
    method: raw.method as string,
    args: raw.args as unknown[],
    sentAt: typeof raw.sentAt === 'number' ? raw.sentAt : 0,
    ...(typeof raw.sender === 'string' ? { sender: raw.sender } : {}),
    ...(typeof raw.replyTo === 'string' ? { replyTo: raw.replyTo } : {}),
    ...(typeof raw.corr === 'string' ? { corr: raw.corr } : {}),
    ...(typeof raw.ttl === 'number' ? { ttl: raw.ttl } : {}),
    ...(typeof raw.due === 'number' ? { due: raw.due } : {}),
  };
  if (raw.tc !== undefined) {
    const tc = traceCarrier(raw.tc);
    if (tc) env.tc = tc;
  }
  if (raw.rp !== undefined) {
    const rp = repeatTag(raw.rp);
    if (rp) env.rp = rp;
  }
  return env;
}
