import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Actor } from '../actor/actor.ts';
import type { ActorClass } from '../actor/types.ts';
import { ConfigError } from '../errors.ts';

/** Imports modules and returns every exported class that extends Actor. */
export async function loadActors(modules: readonly string[]): Promise<ActorClass[]> {
  const found: ActorClass[] = [];
  for (const spec of modules) {
    // a path that exists is a file, with or without ./; anything else is a package name
    const url = existsSync(spec) ? pathToFileURL(resolve(spec)).href : spec;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (cause) {
      throw new ConfigError(`cannot load actor module "${spec}": ${(cause as Error).message}`, { cause });
    }
    for (const value of Object.values(mod)) {
      if (typeof value === 'function' && value.prototype instanceof Actor) found.push(value as ActorClass);
    }
  }
  if (found.length === 0) {
    throw new ConfigError(
      `no actor classes found in ${modules.join(', ')}: export classes that extend Actor from those modules`,
    );
  }
  return found;
}
