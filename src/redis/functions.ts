import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './client.ts';
import { source } from './scripts.ts';

/**
 * The send path as a Redis Function library, so a service in any language sends with one `FCALL`
 * and ships no Lua. The functions are the very scripts the Node client runs by EVALSHA, wrapped, so
 * both paths cannot drift apart.
 *
 * Bump LIBRARY_VERSION whenever a function's behaviour changes: a loader replaces an installed
 * library only when it is older, so mixed versions of Troupe on one Redis never downgrade it.
 */
export const LIBRARY = 'troupe';
export const LIBRARY_VERSION = 3;

/** Function name → the script it runs. Every one is documented in docs/protocol.md. */
const FUNCTIONS = {
  troupe_tell: 'tell.lua',
  troupe_tell_once: 'tell_once.lua',
  troupe_tell_later: 'tell_later.lua',
} as const;

export type FunctionName = keyof typeof FUNCTIONS;

/** The library's code, as `FUNCTION LOAD` takes it. */
export function libraryCode(): string {
  const parts = [`#!lua name=${LIBRARY}`, ''];
  for (const [name, file] of Object.entries(FUNCTIONS)) {
    // a script's top-level `return` and its KEYS/ARGV become the function's
    parts.push(`redis.register_function('${name}', function(KEYS, ARGV)`, source(file), 'end)', '');
  }
  parts.push(
    `redis.register_function{function_name='troupe_version', callback=function() return ${LIBRARY_VERSION} end, flags={'no-writes'}}`,
  );
  return parts.join('\n');
}

export type LoadResult =
  { status: 'loaded' | 'replaced' | 'current'; version: number } | { status: 'unsupported'; reason: string };

/**
 * Installs the library unless the same or a newer version is there. Redis before 7.0 has no
 * functions: that is reported, not thrown, since every Node sender works by EVALSHA anyway.
 */
export async function loadFunctions(redis: Redis): Promise<LoadResult> {
  let installed: number | undefined;
  try {
    installed = Number(await redis.call('FCALL_RO', 'troupe_version', '0'));
  } catch (err) {
    const message = (err as Error).message;
    if (/unknown command/i.test(message)) return { status: 'unsupported', reason: message };
    if (!/function not found/i.test(message)) throw err;
  }
  if (installed !== undefined && installed >= LIBRARY_VERSION)
    return { status: 'current', version: installed };
  await redis.call('FUNCTION', 'LOAD', 'REPLACE', libraryCode());
  return { status: installed === undefined ? 'loaded' : 'replaced', version: LIBRARY_VERSION };
}

/**
 * `loadFunctions` on a standalone server, or on every primary of a Redis Cluster (each shard keeps
 * its own library; replicas get it from their primary). The result is the first primary's.
 */
export async function loadFunctionsEverywhere(redis: RedisClient): Promise<LoadResult> {
  if (!isCluster(redis)) return loadFunctions(redis);
  const results = await Promise.all(redis.nodes('master').map((node) => loadFunctions(node)));
  return results[0] ?? { status: 'unsupported', reason: 'the cluster has no primary' };
}
