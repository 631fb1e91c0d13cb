import { Actor } from '../actor/actor.ts';
import type { ActorClass } from '../actor/types.ts';
import { ConfigError } from '../errors.ts';
import { actorModuleUrl } from './actor-module-url.ts';
import { importUserModule } from './import-module.ts';

/** Imports modules and returns every exported class that extends Actor. */
export async function loadActors(modules: readonly string[]): Promise<ActorClass[]> {
  const found: ActorClass[] = [];
  for (const spec of modules) {
    const url = actorModuleUrl(spec);
    let mod: Record<string, unknown>;
    try {
      mod = await importUserModule(url);
    } catch (cause) {
      if (cause instanceof ConfigError) throw cause;
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
