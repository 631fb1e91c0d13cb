/**
 * The commit ops of repeats (`this.repeat`, `this.cancel`) and of a repeat's firing, which
 * schedules the next one when it is done (lib/repeats.lua applies them).
 */
import type { RepeatEffect } from '../actor/binding.ts';
import { nextDue, type RepeatRule } from '../actor/repeat-rule.ts';
import { encodeRepeatRecord } from '../protocol/repeat-record.ts';
import {
  encodeEnvelope,
  ENVELOPE_VERSION,
  newMessageId,
  type Envelope,
  type RepeatTag,
} from '../protocol/envelope.ts';
import type { RepeatOp } from './commit-item.ts';

const NONE = Buffer.alloc(0);

/** Who the repeats are of. */
export interface RepeatOwner {
  akey: string;
  type: string;
  id: string;
}

function tagOf(name: string, rule: RepeatRule): RepeatTag {
  return 'everyMs' in rule ? { name, everyMs: rule.everyMs } : { name, ...rule };
}

function ruleOf(tag: RepeatTag): RepeatRule {
  if (tag.everyMs !== undefined) return { everyMs: tag.everyMs };
  return { cron: tag.cron ?? '', ...(tag.tz ? { tz: tag.tz } : {}) };
}

/** A firing: a message to the actor itself, due at `due`, naming its repeat. */
function firing(
  owner: RepeatOwner,
  tag: RepeatTag,
  method: string,
  args: unknown[],
  due: number,
  ts: number,
): Buffer {
  const env: Envelope = {
    v: ENVELOPE_VERSION,
    id: newMessageId(),
    type: owner.type,
    actor: owner.id,
    method,
    args,
    sentAt: ts,
    sender: owner.akey,
    due,
    rp: tag,
  };
  return encodeEnvelope(env);
}

/** The ops of one turn's `repeat` and `cancel` calls, at time `ts`. */
export function repeatOps(owner: RepeatOwner, effects: readonly RepeatEffect[], ts: number): RepeatOp[] {
  return effects.map((e): RepeatOp => {
    if (e.op === 'cancel') return ['cancel', e.name, 0, NONE, NONE, NONE];
    const due = nextDue(e.rule, ts);
    if (due === undefined) return ['cancel', e.name, 0, NONE, NONE, NONE];
    const record = encodeRepeatRecord({ rule: e.rule, method: e.method, due });
    return [
      'set',
      e.name,
      due,
      firing(owner, tagOf(e.name, e.rule), e.method, e.args, due, ts),
      record,
      NONE,
    ];
  });
}

/**
 * When `msg` (its envelope `bytes`) is a repeat's firing, done now (`ts`): the op that schedules
 * the next one, the first due after now in the rule's phase (after downtime: once, not once per
 * period missed). Undefined for any other message.
 */
export function nextFiringOp(
  owner: RepeatOwner,
  msg: Envelope,
  bytes: Buffer,
  ts: number,
): RepeatOp | undefined {
  const tag = msg.rp;
  if (!tag) return undefined;
  const rule = ruleOf(tag);
  let due: number | undefined;
  try {
    due = nextDue(rule, ts, msg.due);
  } catch {
    // a rule that no longer parses (another version's cron syntax): the repeat ends
    due = undefined;
  }
  if (due === undefined) return ['next', tag.name, 0, NONE, NONE, bytes];
  const record = encodeRepeatRecord({ rule, method: msg.method, due });
  return ['next', tag.name, due, firing(owner, tag, msg.method, msg.args, due, ts), record, bytes];
}
