import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { source } from '../src/redis/scripts.ts';
import { checkLuaKeys } from './helpers/lua-keys.ts';

// Redis Cluster routes a script by the keys it declares and refuses, halfway through, a key of
// another slot: so every key a script touches must be passed in KEYS. Static, no Redis needed.

const scripts = readdirSync(new URL('../src/redis/lua/', import.meta.url)).filter((f) => f.endsWith('.lua'));

describe('every redis.call key in src/redis/lua comes from KEYS', () => {
  it('finds the scripts', () => assert.ok(scripts.length >= 10, scripts.join(', ')));
  for (const file of scripts) {
    it(file, () => {
      const problems = checkLuaKeys(source(file)).map(
        (p) => `${file} (inlined) line ${p.line}: ${p.message}`,
      );
      assert.deepEqual(problems, []);
    });
  }
});

describe('the key check is strict', () => {
  const bad = (lua: string) => assert.notDeepEqual(checkLuaKeys(lua), [], `accepted:\n${lua}`);
  const good = (lua: string) => assert.deepEqual(checkLuaKeys(lua), [], lua);

  it('accepts KEYS and locals assigned only from KEYS', () => {
    good(`redis.call('GET', KEYS[1])`);
    good(`local k = KEYS[2 + 1]\nredis.call('RPUSH', k, ARGV[1])`);
    good(`local t = redis.call('TIME')`);
    good(`redis.call('DEL', KEYS[1], KEYS[2])`);
    good(`-- redis.call('GET', ARGV[1]) in a comment\nlocal s = "redis.call('GET', ARGV[1])"`);
  });

  it('refuses keys from ARGV, concatenation, lookups and mixed locals', () => {
    bad(`redis.call('GET', ARGV[1])`);
    bad(`redis.call('RPUSH', KEYS[1] .. 'x', ARGV[1])`);
    bad(`local k = ARGV[1] .. 'mb:'\nredis.call('LLEN', k)`);
    bad(`local k = KEYS[1]\nk = ARGV[1]\nredis.call('GET', k)`);
    bad(`local k\nredis.call('GET', k)`);
    bad(`for _, k in ipairs(KEYS) do redis.call('GET', k) end`);
    bad(`redis.call('DEL', KEYS[1], ARGV[1])`);
    bad(`local t = {}\nredis.call('GET', t.key)`);
    bad(`local cmd = 'GET'\nredis.call(cmd, KEYS[1])`);
    bad(`redis.pcall('SPUBLISH', ARGV[1], 'x')`);
  });

  it('follows keys through helper functions to their call sites', () => {
    const helper = `local function get(key) return redis.call('GET', key) end\n`;
    good(`${helper}get(KEYS[1])`);
    bad(`${helper}get(ARGV[1])`);
    const nested = `${helper}local function twice(k, n) get(k) return n end\n`;
    good(`${nested}twice(KEYS[3], ARGV[1])`);
    bad(`${nested}twice(ARGV[1], 1)`);
  });
});
