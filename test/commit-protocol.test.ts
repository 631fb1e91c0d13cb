import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Keys } from '../src/redis/keys.ts';
import { packLuaTable } from '../src/redis/lua-table.ts';
import { source, type ScriptArg } from '../src/redis/scripts.ts';
import { deadLettersKept, encodeCommit } from '../src/runtime/commit-encoding.ts';
import { emptyItem, type CommitItem } from '../src/runtime/commit-item.ts';
import { encodeClaim } from '../src/runtime/partition-scripts.ts';

// commit.lua and claim.lua read their arguments by position. Their headers describe the layout and
// the encoders in src/runtime write it; these tests read the headers and fail when the two disagree.

const keys = new Keys('proto');
const P = 3;
/** The namespace's partition count (log buckets depend on it). */
const PARTITIONS = 8;

/** `KEYS[n] name template` lines of a header, as n -> template with <ns> and <p> filled in. */
function fixedKeys(lua: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of lua.matchAll(/^\s+KEYS\[(\d+)\]\s+\S+(?: \S+)?\s+(\S*troupe:<ns>\S*)/gm)) {
    out.set(Number(m[1]), m[2]!.replace('<ns>', keys.ns).replace('<p>', String(P)));
  }
  return out;
}

/** The tokens of the header line that starts with `label`. */
function layout(lua: string, label: string): string[] {
  const line = lua.split('\n').find((l) => l.trim().startsWith(label));
  assert.ok(line, `commit.lua's header has no "${label}" line`);
  return line.trim().slice(label.length).trim().split(/\s+/);
}

type Row = Record<string, unknown>;

/**
 * Expands a layout: `name` is a field, `#list` the length of a list, `name*` and `(a b)*` one
 * entry per element of the list the group names (`#list` before it, or a name's `send_`/`reply`).
 */
function expand(tokens: string[], fields: Row, lists: Record<string, Row[]>): unknown[] {
  const out: unknown[] = [];
  let current = '';
  for (let i = 0; i < tokens.length; i++) {
    let t = tokens[i]!;
    if (t.startsWith('#')) {
      current = t.slice(1);
      const list = lists[current];
      assert.ok(list, `no list "${current}" in the test's model`);
      out.push(list.length);
      continue;
    }
    if (t.startsWith('(')) {
      const group = [t.slice(1)];
      while (!t.endsWith(')*')) group.push((t = tokens[++i]!));
      group[group.length - 1] = group.at(-1)!.slice(0, -2);
      const listName = listFor(group[0]!, current, lists);
      for (const row of lists[listName]!) for (const f of group) out.push(field(row, f));
      continue;
    }
    if (t.endsWith('*')) {
      const name = t.slice(0, -1);
      for (const row of lists[listFor(name, current, lists)]!) out.push(field(row, name));
      continue;
    }
    out.push(field(fields, t));
  }
  return out;
}

function listFor(name: string, current: string, lists: Record<string, Row[]>): string {
  const plural = `${name.split('_')[0]}s`;
  if (plural === 'replys' && lists.replies) return 'replies';
  return lists[plural] ? plural : current;
}

function field(row: Row, name: string): unknown {
  assert.ok(name in row, `the header names "${name}", which the test's model lacks`);
  return row[name];
}

function sampleItem(): CommitItem {
  const it = emptyItem('Order/o-1', 'tok', 2, 32);
  it.segments = [Buffer.from('s1'), Buffer.from('s2')];
  it.sends = [
    [5, 'Stock/s-9', Buffer.from('e1')],
    [P, 'Order/o-2', Buffer.from('e2')],
  ];
  it.replies = [['client-a', Buffer.from('r1')]];
  it.dead = [['handler-error', 'boom', 3, Buffer.from('d1'), 1]];
  it.timers = [[1234, Buffer.from('t1')]];
  it.repeats = [
    ['set', 'tick', 5000, Buffer.from('f1'), Buffer.from('r1'), Buffer.alloc(0)],
    ['next', 'nightly', 6000, Buffer.from('f2'), Buffer.from('r2'), Buffer.from('fired')],
  ];
  it.retryAt = 99;
  it.retryRecord = 'm-1 2';
  it.dir = 3;
  it.fields = [
    ['status', Buffer.from('slate\0')],
    ['total', Buffer.alloc(0)],
  ];
  return it;
}

/** The ARGV and KEYS the header says the items take, from the test's own model of them. */
function expectedItems(
  lua: string,
  items: CommitItem[],
  outbox: boolean,
): { args: unknown[]; keys: unknown[] } {
  const argv = layout(lua, 'item ARGV:');
  const keyLayout = layout(lua, 'item KEYS:');
  const args: unknown[] = [];
  const itemKeys: unknown[] = [];
  for (const it of items) {
    const fields: Row = {
      akey: it.akey,
      token: it.token,
      handled: it.handled,
      merge_at: it.mergeAt,
      fresh: it.fresh,
      dir: it.dir,
      reps: it.repeats.length > 0 || it.dir >= 2 ? 1 : 0,
      retry_at: it.retryAt,
      retry_record: it.retryRecord,
      mailbox: keys.mailbox(P, it.akey),
      log: keys.log(P, it.akey),
      log_bucket: keys.logBucketOf(P, it.akey, PARTITIONS),
    };
    // on a cluster, a send to another partition and every reply go through the outbox
    const relayed = ([q]: [number, ...unknown[]]) => outbox && q !== P;
    const [type, id] = it.akey.split('/') as [string, string];
    const lists: Record<string, Row[]> = {
      fields: (it.dir > 0 ? it.fields : []).map(([field, enc]) => ({
        field,
        enc,
        field_index: keys.index(P, type, field),
      })),
      dirs: it.dir > 0 ? [{ dir_bucket: keys.dirOf(P, type, id, PARTITIONS) }] : [],
      destroys:
        it.dir >= 2
          ? [{ destroy_history: keys.history(P, it.akey), destroy_lock: keys.lock(P, it.akey) }]
          : [],
      segments: it.segments.map((segment) => ({ segment })),
      sends: it.sends
        .filter((s) => !relayed(s))
        .map(([q, akey, envelope]) => ({
          akey,
          envelope,
          send_mailbox: keys.mailbox(q, akey),
          send_ready: keys.ready(q),
          send_wake: keys.wake(q),
        })),
      relays: it.sends.filter(relayed).map(([partition, akey, envelope]) => ({ partition, akey, envelope })),
      replies: (outbox ? [] : it.replies).map(([client, payload]) => ({
        payload,
        reply: keys.replies(client),
      })),
      reply_relays: (outbox ? it.replies : []).map(([client, payload]) => ({ client, payload })),
      dead: it.dead.map(([reason, error, attempts, envelope, held]) => ({
        reason,
        error,
        attempts,
        envelope,
        held,
      })),
      timers: it.timers.map(([due, envelope]) => ({ due, envelope })),
      repeats: it.repeats.map(([op, name, due, envelope, record, expect]) => ({
        op,
        name,
        due,
        envelope,
        record,
        expect,
      })),
      reps: it.repeats.length > 0 || it.dir >= 2 ? [{ rep_hash: keys.repeats(P, it.akey) }] : [],
    };
    args.push(...expand(argv, fields, lists));
    itemKeys.push(...expand(keyLayout, fields, lists));
  }
  return { args, keys: itemKeys };
}

describe('commit.lua and its encoder agree', () => {
  const lua = source('commit.lua');
  const items = [sampleItem(), emptyItem('Order/o-3', 'tok', 1, 0)];
  const call = encodeCommit(keys, PARTITIONS, P, 'w-1', 7, 60_000, items);
  const fixed = fixedKeys(lua);

  it('on the fixed KEYS', () => {
    assert.equal(fixed.size, 11);
    for (const [n, key] of fixed) assert.equal(call.keys[n - 1], key, `KEYS[${n}]`);
  });

  it('on the fixed ARGV', () => {
    assert.match(lua, /ARGV\[5\] number of items/);
    assert.match(lua, /ARGV\[6\] the items' arguments, one after the other, as one MessagePack array/);
    assert.equal(call.args.length, 6);
    assert.deepEqual(call.args.slice(0, 5), ['w-1', 7, 60_000, deadLettersKept(PARTITIONS), items.length]);
  });

  it('on each item, field by field', () => {
    const want = expectedItems(lua, items, false);
    assert.deepEqual(call.args[5], packLuaTable(want.args as ScriptArg[]));
    assert.deepEqual(call.keys.slice(fixed.size), want.keys);
  });

  it('on each item with the outbox (a cluster): sends to other partitions and replies are relayed', () => {
    const relayed = encodeCommit(keys, PARTITIONS, P, 'w-1', 7, 60_000, items, true);
    const want = expectedItems(lua, items, true);
    assert.deepEqual(relayed.keys.slice(0, fixed.size), call.keys.slice(0, fixed.size));
    assert.deepEqual(relayed.args[5], packLuaTable(want.args as ScriptArg[]));
    assert.deepEqual(relayed.keys.slice(fixed.size), want.keys);
    // the sample's send to partition 5 and its reply name no key outside partition P's slot
    const tag = `{troupe:${keys.ns}:${P}}`;
    for (const key of relayed.keys) assert.ok(key.startsWith(tag), `${key} is in partition ${P}'s slot`);
  });
});

describe('claim.lua and its encoder agree', () => {
  const lua = source('claim.lua');
  const call = encodeClaim(keys, PARTITIONS, 'w-1', {
    p: P,
    epoch: 4,
    hints: [
      { akey: 'Order/o-1', wantLog: true },
      { akey: 'Order/o-2', wantLog: false },
    ],
    batchSize: 16,
    token: 'tok',
    paused: ['Stock'],
    headLen: 64,
  });

  it('on the fixed KEYS and ARGV', () => {
    const fixed = fixedKeys(lua);
    assert.equal(fixed.size, 7);
    for (const [n, key] of fixed) assert.equal(call.keys[n - 1], key, `KEYS[${n}]`);
    for (const [n, what] of [
      [3, 'max messages per actor'],
      [4, 'claim token'],
      [5, 'how much of the queue'],
      [6, 'npaused'],
    ] as const) {
      assert.match(lua, new RegExp(`ARGV\\[${n}\\]\\s+${what}`));
    }
    assert.deepEqual(call.args.slice(0, 6), ['w-1', 4, 16, 'tok', 64, 1]);
  });

  it('on paused types and hints', () => {
    assert.deepEqual(call.keys.slice(7), [
      keys.held(P, 'Stock'),
      keys.mailbox(P, 'Order/o-1'),
      keys.log(P, 'Order/o-1'),
      keys.logBucketOf(P, 'Order/o-1', PARTITIONS),
      keys.mailbox(P, 'Order/o-2'),
      keys.log(P, 'Order/o-2'),
      keys.logBucketOf(P, 'Order/o-2', PARTITIONS),
    ]);
    assert.deepEqual(call.args.slice(6), ['Stock', 'Order/o-1', '1', 'Order/o-2', '0']);
    assert.match(lua, /KEYS\[7\+j\]\s+held list/);
    assert.match(
      lua,
      /KEYS\[h\+3i-2\] its mailbox .* KEYS\[h\+3i-1\] its log\s.* KEYS\[h\+3i\] its log bucket/s,
    );
    assert.match(lua, /ARGV\[a\+2i-1\] its akey and ARGV\[a\+2i\] '1' to return its log/);
  });
});
