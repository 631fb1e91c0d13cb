/**
 * The JSON a benchmark writes with `--json FILE`: the results plus what they were measured on, so
 * runs can be compared later.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';

export interface Environment {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMemoryBytes: number;
  gitCommit: string | undefined;
  redis: { kind: 'private' | 'external'; version: string };
}

export function environment(redis: Environment['redis']): Environment {
  let gitCommit: string | undefined;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    gitCommit = undefined;
  }
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    gitCommit,
    redis,
  };
}

export function writeJsonReport(file: string, bench: string, env: Environment, results: unknown): void {
  writeFileSync(file, `${JSON.stringify({ bench, environment: env, results }, null, 2)}\n`);
}
