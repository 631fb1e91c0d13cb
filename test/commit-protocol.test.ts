import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMIT_ARGS, COMMIT_KEYS, COMMIT_MAPS } from '../src/runtime/commit-protocol.ts';
import { CLAIM_KEYS } from '../src/runtime/partition-scripts.ts';

// commit.lua's header, the fields its code reads and the TypeScript encoder name the same things:
// the protocol is written once in commit-protocol.ts, and this holds the script to it.

const read = (file: string) => readFileSync(new URL(`../src/redis/lua/${file}`, import.meta.url), 'utf8');

function header(lua: string): string {
  const m = /^--\[\[\n([\s\S]*?)\n\]\]/.exec(lua);
  assert.ok(m, 'no header comment');
  return m[1]!;
}

/** Names of the numbered `KEYS[n] name` (or ARGV) lines of a header, in order. */
function numbered(head: string, kind: 'KEYS' | 'ARGV'): string[] {
  const re = new RegExp(`^  ${kind}\\[(\\d+)\\]\\s+(\\w+)`, 'gm');
  const out: string[] = [];
  for (let m = re.exec(head); m; m = re.exec(head)) {
    assert.equal(Number(m[1]), out.length + 1, `${kind}[${m[1]}] out of order`);
    out.push(m[2]!);
  }
  return out;
}

/** The `name (...):` sections of a header, each with its indented field names. */
function maps(head: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of head.split('\n')) {
    const start = /^ {2}(\w+) \(.*\):$/.exec(line);
    if (start) {
      current = out[start[1]!] = [];
      continue;
    }
    const field = /^ {4}(\w+)\s/.exec(line);
    if (current && field) current.push(field[1]!);
    else if (!/^ {6,}/.test(line)) current = undefined;
  }
  return out;
}

/** Fields the script's code reads of the map held in local `name`. */
function reads(body: string, name: string): Set<string> {
  return new Set([...body.matchAll(new RegExp(`(?<![.\\w])${name}\\.(\\w+)`, 'g'))].map((m) => m[1]!));
}

describe('commit.lua agrees with src/runtime/commit-protocol.ts', () => {
  const lua = read('commit.lua');
  const head = header(lua);
  const body = lua.slice(lua.indexOf(']]') + 2);

  it('names the fixed KEYS and ARGV in the encoder order', () => {
    assert.deepEqual(numbered(head, 'KEYS'), [...COMMIT_KEYS]);
    assert.deepEqual(numbered(head, 'ARGV'), [...COMMIT_ARGS]);
  });

  it('lists the fields of every map as the encoder writes them', () => {
    const listed = maps(head);
    assert.deepEqual(Object.keys(listed).sort(), Object.keys(COMMIT_MAPS).sort());
    for (const [name, fields] of Object.entries(COMMIT_MAPS))
      assert.deepEqual(listed[name], [...fields], name);
  });

  it('reads every field it lists, and no other', () => {
    for (const [name, fields] of Object.entries(COMMIT_MAPS)) {
      assert.deepEqual(
        [...reads(body, name)].sort(),
        [...fields].sort(),
        `fields of ${name} read by the code`,
      );
    }
  });
});

describe('claim.lua agrees with src/runtime/partition-scripts.ts', () => {
  it('names the fixed KEYS in the encoder order', () => {
    assert.deepEqual(numbered(header(read('claim.lua')), 'KEYS'), [...CLAIM_KEYS]);
  });
});
