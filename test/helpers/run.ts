import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: child processes run from here, as a user would. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed (default: no stdin). */
  input?: string | Buffer;
  /** Where the child runs (default: the repository root). */
  cwd?: string;
}

/**
 * Runs `node <args>` from the repository root with exactly `env`, and collects what it printed;
 * killed after timeoutMs.
 */
export function runNode(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
  options: RunOptions = {},
): Promise<Run> {
  return runProgram(process.execPath, args, env, timeoutMs, options);
}

/** Runs `<program> <args>` from the repository root, as runNode does for node. */
export function runProgram(
  program: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
  { input, cwd = ROOT }: RunOptions = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(program, args, {
      cwd,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // a child that exits before reading all of it must not fail the test with EPIPE
    proc.stdin?.on('error', () => {});
    proc.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', reject);
    proc.on('close', (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the `troupe` command line as a separate process. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  options: RunOptions = {},
): Promise<Run> {
  return runNode(['bin/troupe.mjs', ...args], env, 120_000, options);
}
