// What the tests need from the machine beyond npm packages: redis-server and redis-cli, Debian's
// python3 with python3-redis and python3-msgpack (the Python sender and the FCALL recipe run in the
// tests), and Debian's chromium at /usr/bin/chromium (the dashboard's browser tests; never a
// downloaded browser). Run before `npm test` and by .ci/run. Missing pieces are installed with apt-get when this
// runs as root on Debian/Ubuntu; otherwise it stops with the one command that installs them, so the
// Python tests are never skipped and never fail halfway through a run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// Debian's packages install for Debian's interpreter, which may not be the python3 first on PATH.
const PYTHON = '/usr/bin/python3';

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const pyImports = (mod) =>
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;

function missingPackages() {
  const need = [];
  if (!onPath('redis-server') || !onPath('redis-cli')) need.push('redis-server');
  if (!existsSync(PYTHON)) need.push('python3');
  if (!pyImports('redis')) need.push('python3-redis');
  if (!pyImports('msgpack')) need.push('python3-msgpack');
  if (!existsSync('/usr/bin/chromium')) need.push('chromium');
  return need;
}

const need = missingPackages();
if (need.length === 0) process.exit(0);

const command = `apt-get install -y ${need.join(' ')}`;
const canInstall = process.getuid?.() === 0 && onPath('apt-get');
if (!canInstall) {
  const hint = onPath('apt-get') ? `sudo ${command}` : `install ${need.join(', ')} with your package manager`;
  process.stderr.write(
    `the tests need ${need.join(', ')}, which this machine lacks: run\n  ${hint}\nthen run the tests again.\n`,
  );
  process.exit(2);
}

process.stderr.write(`installing what the tests need: ${need.join(' ')}\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', ...need],
]) {
  const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (run.status !== 0) {
    process.stderr.write(
      `apt-get ${args.join(' ')} failed: run "${command}" by hand, then the tests again.\n`,
    );
    process.exit(2);
  }
}
const still = missingPackages();
if (still.length > 0) {
  process.stderr.write(`still missing after apt-get: ${still.join(', ')}\n`);
  process.exit(2);
}
