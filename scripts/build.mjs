// npm run build: compiles src/ to dist/ (ES modules, .d.ts with declaration maps, source maps) and puts
// the Lua scripts and the dashboard page beside the modules that load them. dist/ is emptied first so a deleted source file
// cannot linger in a published package.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

rmSync('dist', { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
cpSync('src/redis/lua', 'dist/redis/lua', { recursive: true });
// the dashboard's page: plain ES modules the browser loads as they are (docs/dashboard.md)
cpSync('src/dashboard/public', 'dist/dashboard/public', { recursive: true });
chmodSync('dist/cli/main.js', 0o755);
