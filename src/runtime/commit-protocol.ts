/**
 * commit.lua's call, written once: the fixed KEYS and ARGV by name, and each actor's batch as one
 * MessagePack map (packed by lua-pack.ts, which Redis's cmsgpack reads) whose fields are named
 * here. Keys an item needs (its mailbox and log, the targets of its sends, the askers' reply lists)
 * go into KEYS once each and the map names them by index, so the script touches only declared
 * keys. test/commit-protocol.test.ts checks these names against the script's header and the fields
 * the script reads.
 */
import type { Keys } from '../redis/keys.ts';
import { LuaPacker, type LuaValue } from '../redis/lua-pack.ts';
import type { CommitItem, DeadEntry, Reply, Send, TimerEntry } from './commit-item.ts';

export const COMMIT_KEYS = [
  'owner',
  'epoch',
  'ready',
  'running',
  'dead',
  'timers',
  'attempts',
  'paused',
  'merge',
] as const;
export const COMMIT_ARGS = ['worker', 'epoch', 'replyTtl', 'deadKept'] as const;

/** The fields of each map commit.lua reads, by the map's name in its header. */
export const COMMIT_MAPS = {
  item: [
    'akey',
    'token',
    'handled',
    'mergeAt',
    'mailbox',
    'log',
    'segments',
    'sends',
    'replies',
    'dead',
    'timers',
    'retryAt',
    'retryRecord',
  ],
  send: ['mailbox', 'ready', 'wake', 'akey', 'envelope'],
  reply: ['list', 'payload'],
  dead: ['reason', 'error', 'attempts', 'envelope', 'held'],
  timer: ['due', 'envelope'],
} as const;

type Maps = typeof COMMIT_MAPS;
/** A map on the wire: exactly the fields listed for it, so the compiler catches a drift. */
type Wire<M extends keyof Maps> = { [F in Maps[M][number]]: LuaValue };

/**
 * KEYS being built, referred to by 1-based index as Lua sees it. An item's own mailbox and log are
 * its alone, so they are just appended; keys several entries may share (a send's target queues, an
 * asker's reply list) are listed once.
 */
class KeyList {
  readonly keys: string[];
  private index: Map<string, number> | undefined;
  constructor(fixed: readonly string[]) {
    this.keys = fixed.slice();
  }
  add(key: string): number {
    return this.keys.push(key);
  }
  shared(key: string): number {
    this.index ??= new Map();
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.push(key);
      this.index.set(key, i);
    }
    return i;
  }
}

/** The fixed KEYS of partition p, built once per partition: commits are the hot path. */
const fixedKeys = new WeakMap<Keys, Map<number, readonly string[]>>();

function commitKeys(keys: Keys, p: number): readonly string[] {
  let byP = fixedKeys.get(keys);
  if (!byP) fixedKeys.set(keys, (byP = new Map<number, readonly string[]>()));
  let list = byP.get(p);
  if (!list) {
    const named: Record<(typeof COMMIT_KEYS)[number], string> = {
      owner: keys.owner(p),
      epoch: keys.epoch(p),
      ready: keys.ready(p),
      running: keys.running(p),
      dead: keys.dead(),
      timers: keys.timers(p),
      attempts: keys.attempts(p),
      paused: keys.paused(p),
      merge: keys.mergeDue(p),
    };
    list = COMMIT_KEYS.map((k) => named[k]);
    byP.set(p, list);
  }
  return list;
}

export interface CommitCall {
  keys: string[];
  args: (string | number | Buffer)[];
}

export interface CommitHead {
  workerId: string;
  epoch: number;
  replyTtlMs: number;
  deadKept: number;
}

/** The KEYS and ARGV of one commit.lua call for the items of partition p. */
export function encodeCommit(
  keys: Keys,
  p: number,
  head: CommitHead,
  items: readonly CommitItem[],
): CommitCall {
  const named: Record<(typeof COMMIT_ARGS)[number], string | number> = {
    worker: head.workerId,
    epoch: head.epoch,
    replyTtl: head.replyTtlMs,
    deadKept: head.deadKept,
  };
  const list = new KeyList(commitKeys(keys, p));
  const args: (string | number | Buffer)[] = COMMIT_ARGS.map((a) => named[a]);
  const packer = new LuaPacker();
  for (const it of items) args.push(packer.pack(encodeItem(keys, p, list, it)));
  return { keys: list.keys, args };
}

const NONE: LuaValue[] = [];

function encodeItem(keys: Keys, p: number, list: KeyList, it: CommitItem): Wire<'item'> {
  return {
    akey: it.akey,
    token: it.token,
    handled: it.handled,
    mergeAt: it.mergeAt,
    mailbox: list.add(keys.mailbox(p, it.akey)),
    log: it.segments.length > 0 ? list.add(keys.log(p, it.akey)) : 0,
    segments: it.segments,
    // most items send, answer, dead-letter and schedule nothing: no new empty arrays for them
    sends: it.sends.length ? it.sends.map((s) => encodeSend(keys, list, s)) : NONE,
    replies: it.replies.length ? it.replies.map((r) => encodeReply(keys, list, r)) : NONE,
    dead: it.dead.length ? it.dead.map(encodeDead) : NONE,
    timers: it.timers.length ? it.timers.map(encodeTimer) : NONE,
    retryAt: it.retryAt,
    retryRecord: it.retryRecord,
  };
}

function encodeSend(keys: Keys, list: KeyList, s: Send): Wire<'send'> {
  return {
    mailbox: list.shared(keys.mailbox(s.partition, s.akey)),
    ready: list.shared(keys.ready(s.partition)),
    wake: list.shared(keys.wake(s.partition)),
    akey: s.akey,
    envelope: s.envelope,
  };
}

function encodeReply(keys: Keys, list: KeyList, r: Reply): Wire<'reply'> {
  return { list: list.shared(keys.replies(r.client)), payload: r.payload };
}

function encodeDead(d: DeadEntry): Wire<'dead'> {
  return { reason: d.reason, error: d.error, attempts: d.attempts, envelope: d.envelope, held: d.held };
}

function encodeTimer(t: TimerEntry): Wire<'timer'> {
  return { due: t.due, envelope: t.envelope };
}

/** commit.lua's answer: -1 when fenced. */
export function decodeCommit(
  res: unknown,
): 'fenced' | { readyLen: number; stale: string[]; requeued: string[] } {
  if (res === -1) return 'fenced';
  const [readyLen, stale, requeued] = res as [number, string[], string[]];
  return { readyLen, stale, requeued };
}
