// Runs every test/**/*.test.ts with node's test runner (tsx loads TypeScript). Extra args are passed on,
// and file arguments narrow the run: `npm test -- test/core.test.ts`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'helpers' || e.name === 'fixtures' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

// redis-server and the Python packages first: installed when possible, else one line saying how
const preflight = spawnSync(process.execPath, [fileURLToPath(new URL('./preflight.mjs', import.meta.url))], {
  stdio: 'inherit',
});
if (preflight.status !== 0) process.exit(preflight.status ?? 2);

const args = process.argv.slice(2);
const files = args.filter((a) => a.endsWith('.ts'));
const flags = args.filter((a) => !a.endsWith('.ts'));
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    // a test file whose tests have all ended exits even if a client left a handle open (a Redis
    // Cluster client reconnecting to a stopped node once kept one alive): the suite must not hang
    '--test-force-exit',
    ...flags,
    ...(files.length ? files : find('test').sort()),
  ],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
