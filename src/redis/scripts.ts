import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Lua scripts live as .lua files beside this module. `-- @include lib/x.lua` lines are inlined at
 * load time, and each script is registered under a name versioned by its content, so two versions
 * of Troupe sharing one Redis never run each other's scripts.
 */
const SCRIPTS = [
  'tell',
  'tell_batch',
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
  readonly redis: Redis;
  run(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<unknown>;
  runBuffer(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<unknown>;
}

export function withScripts(redis: Redis): ScriptedRedis {
  for (const info of Object.values(scripts)) {
    // no fixed key count: a script's KEYS grow with its batch (every key it touches is declared)
    redis.defineCommand(info.command, { lua: info.lua });
  }
  const call = (method: string, keys: string[], args: ScriptArg[]): Promise<unknown> => {
    const fn = (redis as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[method];
    if (!fn) throw new Error(`script ${method} is not defined`);
    return fn.call(redis, keys.length, ...keys, ...args);
  };
  return {
    redis,
    run: (name, keys, args) => call(scripts[name].command, keys, args),
    runBuffer: (name, keys, args) => call(`${scripts[name].command}Buffer`, keys, args),
  };
}
