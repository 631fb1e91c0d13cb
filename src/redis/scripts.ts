import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './client.ts';
import { corkPerTick } from './cork.ts';

/**
 * Lua scripts live as .lua files beside this module. `-- @include lib/x.lua` lines are inlined at
 * load time, and each script is registered under a name versioned by its content, so two versions
 * of Troupe sharing one Redis never run each other's scripts.
 */
const SCRIPTS = [
  'tell',
  'tell_batch',
  'tell_many',
  'tell_once',
  'tell_later',
  'claim',
  'commit',
  'resume',
  'fire',
  'acquire',
  'renew',
  'release',
  'heartbeat',
  'merge',
  'stow',
  'unlock',
  'relock',
  'place',
  'relay',
  'copy_dead_letter',
  'reindex',
  'limit_take',
  'rate_take',
  'limit_renew',
  'limit_give',
  'limit_poke',
] as const;

export type ScriptName = (typeof SCRIPTS)[number];

const dir = new URL('./lua/', import.meta.url);

/** A script's text with its `-- @include` lines inlined: plain Lua anyone can run. */
export function source(file: string): string {
  return readFileSync(new URL(file, dir), 'utf8').replace(/^-- @include (\S+)\s*$/gm, (_, inc: string) =>
    source(inc),
  );
}

export interface ScriptInfo {
  name: ScriptName;
  lua: string;
  /** The registered command name, e.g. `troupe_tell_3f2a91c0`. */
  command: string;
}

export const scripts: Record<ScriptName, ScriptInfo> = Object.fromEntries(
  SCRIPTS.map((name) => {
    const lua = source(`${name}.lua`);
    const version = createHash('sha1').update(lua).digest('hex').slice(0, 8);
    return [name, { name, lua, command: `troupe_${name}_${version}` }];
  }),
) as Record<ScriptName, ScriptInfo>;

export type ScriptArg = string | number | Buffer;

/** One run of a script: its KEYS and ARGV. */
export interface ScriptCall {
  keys: string[];
  args: ScriptArg[];
}

/** A Redis client with Troupe's scripts defined on it (EVALSHA, falling back to EVAL on NOSCRIPT). */
export interface ScriptedRedis {
  readonly redis: RedisClient;
  run(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<unknown>;
  runBuffer(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<unknown>;
}

/**
 * Defines every script on the client as an ioredis command (on a single Redis without
 * auto-pipelining, the calls of one tick leave in one write: cork.ts): ioredis sends a script's first call on
 * each socket as EVAL and later ones as EVALSHA, so calls on one connection run in the order made,
 * even on a server that has not seen the script yet (a client falling back to EVAL after NOSCRIPT
 * would let a later call overtake an earlier one). On a Redis Cluster they are routed by their first
 * key and sent unpipelined (see `openRedis`).
 */
export function withScripts(redis: RedisClient): ScriptedRedis {
  for (const info of Object.values(scripts)) {
    // no fixed key count: a script's KEYS grow with its batch (every key it touches is declared)
    redis.defineCommand(info.command, { lua: info.lua });
  }
  const cork = corkPerTick(redis);
  const call = (method: string, keys: string[], args: ScriptArg[]): Promise<unknown> => {
    const fn = (redis as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[method];
    if (!fn) throw new Error(`script ${method} is not defined`);
    cork?.();
    return fn.call(redis, keys.length, ...keys, ...args);
  };
  return {
    redis,
    run: (name, keys, args) => call(scripts[name].command, keys, args),
    runBuffer: (name, keys, args) => call(`${scripts[name].command}Buffer`, keys, args),
  };
}

/**
 * The scripts' command names. ioredis groups auto-pipelined commands by their first argument's
 * slot, which for these (whose first argument is the key count) is no key at all: a cluster client
 * must not auto-pipeline them.
 */
export const SCRIPT_COMMANDS: readonly string[] = Object.values(scripts).map((s) => s.command);
