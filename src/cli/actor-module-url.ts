import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.ts';

/** Endings that only a file has: `--actors actors.ts` is a file even without `./`. */
const FILE_ENDING = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

/**
 * What `import()` should load for one `--actors` value. A path (./, ../, absolute, or a name with
 * a script ending) is resolved against the working directory, as the user typed it in their
 * shell; a bare name that exists there is a file too; anything else is a package name. A path
 * that does not exist stops here: handed to `import()` it would be resolved against this module's
 * own folder and fail with a message naming a file the user never meant.
 */
export function actorModuleUrl(spec: string, cwd: string = process.cwd()): string {
  const looksLikePath =
    spec.startsWith('./') ||
    spec.startsWith('../') ||
    spec === '.' ||
    spec === '..' ||
    isAbsolute(spec) ||
    FILE_ENDING.test(spec);
  const path = resolve(cwd, spec);
  if (existsSync(path)) return pathToFileURL(path).href;
  if (!looksLikePath) return spec;
  throw new ConfigError(
    `cannot load actor module "${spec}": no such file: ${path} ` +
      `(relative paths are taken from the working directory, ${cwd}): fix the path or run from the project folder`,
  );
}
