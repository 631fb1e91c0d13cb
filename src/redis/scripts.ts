import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Lua scripts live as .lua files beside this module. `-- @include lib/x.lua` lines are inlined at
 * load time, and each script is registered under a name versioned by its content, so two versions
 * of Troupe sharing one Redis never run each other's scripts.
 */
const SCRIPTS = {
  tell: 3,
  tell_batch: 2,
  tell_once: 4,
  tell_later: 2,
  claim: 7,
  commit: 9,
  resume: 6,
  fire: 5,
  acquire: 4,
  renew: 6,
  release: 1,
  heartbeat: 4,
  merge: 4,
  unlock: 1,
  relock: 1,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

const dir = new URL('./lua/', import.meta.url);

/** A script's text with its `-- @include` lines inlined: plain Lua anyone can run. */
export function source(file: string): string {
  return readFileSync(new URL(file, dir), 'utf8').replace(/^-- @include (\S+)\s*$/gm, (_, inc: string) =>
    source(inc),
  );
}

export interface ScriptInfo {
  name: ScriptName;
  keys: number;
  lua: string;
  /** The registered command name, e.g. `troupe_tell_3f2a91c0`. */
  command: string;
}

export const scripts: Record<ScriptName, ScriptInfo> = Object.fromEntries(
  (Object.keys(SCRIPTS) as ScriptName[]).map((name) => {
    const lua = source(`${name}.lua`);
    const version = createHash('sha1').update(lua).digest('hex').slice(0, 8);
    return [name, { name, keys: SCRIPTS[name], lua, command: `troupe_${name}_${version}` }];
  }),
) as Record<ScriptName, ScriptInfo>;

type ScriptArg = string | number | Buffer;

/** A Redis client with Troupe's scripts defined on it (EVALSHA, falling back to EVAL on NOSCRIPT). */
export interface ScriptedRedis {
  readonly redis: Redis;
  run(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<unknown>;
  runBuffer(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<unknown>;
}

export function withScripts(redis: Redis): ScriptedRedis {
  for (const info of Object.values(scripts)) {
    redis.defineCommand(info.command, { numberOfKeys: info.keys, lua: info.lua });
  }
  const call = (method: string, keys: string[], args: ScriptArg[]): Promise<unknown> => {
    const fn = (redis as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[method];
    if (!fn) throw new Error(`script ${method} is not defined`);
    return fn.call(redis, ...keys, ...args);
  };
  return {
    redis,
    run: (name, keys, args) => call(scripts[name].command, keys, args),
    runBuffer: (name, keys, args) => call(`${scripts[name].command}Buffer`, keys, args),
  };
}
