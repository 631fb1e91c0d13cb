import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.ts';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

let tsxRegistered = false;

/**
 * Imports a user's module (a file: URL or a package name). JavaScript goes through plain
 * `import()`. TypeScript is tried as it is first (a Node that strips types, or a process already
 * running under tsx), then through the user's own tsx: Troupe ships no TypeScript loader, so a
 * worker run from compiled JS carries no compiler.
 */
export async function importUserModule(url: string): Promise<Record<string, unknown>> {
  const file = url.startsWith('file:') ? fileURLToPath(url) : undefined;
  if (!file || !TYPESCRIPT.has(extname(file))) return (await import(url)) as Record<string, unknown>;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || tsxRegistered) throw err;
  }
  await registerTsx(file);
  // A query makes a fresh module record: the failed attempt above is cached under the bare URL.
  return (await import(`${url}?tsx`)) as Record<string, unknown>;
}

async function registerTsx(file: string): Promise<void> {
  const api = findTsxApi(file);
  if (!api) {
    throw new ConfigError(
      `${file} is TypeScript and tsx is not installed: run "npm i -D tsx" in your project, or point --actors at the compiled .js module`,
    );
  }
  const { register } = (await import(pathToFileURL(api).href)) as { register: () => unknown };
  register();
  tsxRegistered = true;
}

/** The ESM entry of tsx's loader API, looked up from the module's folder, the working directory, then Troupe. */
function findTsxApi(file: string): string | undefined {
  for (const from of [file, join(process.cwd(), 'package.json'), import.meta.filename]) {
    try {
      const pkgPath = createRequire(from).resolve('tsx/package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
        exports?: Record<string, { import?: { default?: string } | string }>;
      };
      const entry = pkg.exports?.['./esm/api']?.import;
      const rel = typeof entry === 'string' ? entry : entry?.default;
      if (rel) return join(dirname(pkgPath), rel);
    } catch {
      // not installed where this one looks: try the next place
    }
  }
  return undefined;
}
