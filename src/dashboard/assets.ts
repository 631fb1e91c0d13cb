/**
 * The dashboard page's files: its own (src/dashboard/public, copied into dist by the build) and
 * the browser builds of its libraries, read from their installed packages. Nothing is bundled, so
 * `troupe dashboard` needs no build step on the machine it runs on.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));
const require = createRequire(import.meta.url);
/** A file beside the module a package's entry point resolves to. */
const besideEntry = (pkg: string, file: string): string => join(dirname(require.resolve(pkg)), file);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path under /vendor/ -> file on disk. The page's import map names these. */
const VENDOR: Record<string, () => string> = {
  'preact.mjs': () => require.resolve('preact'),
  'hooks.mjs': () => require.resolve('preact/hooks'),
  'htm.mjs': () => besideEntry('htm', 'htm.mjs'),
  'uPlot.esm.js': () => besideEntry('uplot', 'uPlot.esm.js'),
  'uPlot.min.css': () => besideEntry('uplot', 'uPlot.min.css'),
};

/** The page's own files, by name (no subfolders: a name is never a path). */
const OWN = /^[a-z][a-z0-9-]*\.(html|js|css)$/;

export interface Asset {
  body: Buffer;
  type: string;
}

/** Files found, kept: there are a handful. Misses are not kept, so a scan of paths costs no memory. */
const cache = new Map<string, Asset>();

/** The file at `/<name>` or `/vendor/<name>`, or undefined when there is none. */
export async function asset(path: string): Promise<Asset | undefined> {
  const hit = cache.get(path);
  if (hit) return hit;
  const found = await load(path);
  if (found) cache.set(path, found);
  return found;
}

async function load(path: string): Promise<Asset | undefined> {
  const vendor = /^\/vendor\/([^/]+)$/.exec(path)?.[1];
  const own = /^\/([^/]+)$/.exec(path)?.[1];
  const file = vendor ? VENDOR[vendor]?.() : own && OWN.test(own) ? join(PUBLIC, own) : undefined;
  if (!file) return undefined;
  const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
  try {
    return { body: await readFile(file), type: TYPES[ext] ?? 'application/octet-stream' };
  } catch {
    return undefined;
  }
}
