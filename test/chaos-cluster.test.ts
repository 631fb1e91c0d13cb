/**
 * The short chaos run on a Redis Cluster (3 primaries, 3 replicas, waitReplicas 1): load over 2
 * worker processes while 1,000 slots are resharded between two primaries, a primary is SIGKILLed
 * (its replica takes over, it comes back as a replica), workers are killed and frozen, and poison and
 * malformed messages are injected. Nothing confirmed may be lost, nothing applied twice or out of
 * order, and `redis-cli --cluster check` must pass afterwards (the report's problems say so).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../chaos/report.ts';
import { runNode, type Run } from './helpers/run.ts';

describe('chaos on a Redis Cluster (short run)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-chaos-cluster-'));
  const file = join(dir, 'report.json');
  const seed = String(Math.floor(Math.random() * 2 ** 31));
  const args = ['--cluster', '--seconds', '20', '--workers', '2', '--fault-every', '1000', '--seed', seed];
  let run: Run;
  let report: Report;
  let out: string;

  before(async () => {
    run = await runNode(['--import', 'tsx', 'chaos/main.ts', ...args, '--json', file], process.env, 240_000);
    out = `replay: npm run chaos -- ${args.join(' ')}\n${run.stdout}\n${run.stderr}`;
    report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resharded slots and failed a primary over while the load ran', () => {
    assert.ok(report.messages.confirmed > 1000, `${report.messages.confirmed} confirmed\n${out}`);
    assert.ok(report.faults.reshard >= 1, out);
    assert.ok(report.faults['kill-primary'] >= 1, out);
  });

  it('lost, duplicated and reordered nothing that was confirmed', () => {
    assert.equal(report.lost, 0, out);
    assert.equal(report.duplicated, 0, out);
    assert.equal(report.outOfOrder, 0, out);
    assert.equal(report.phantom, 0, out);
  });

  it('PASS: every bad message dead-lettered once, the cluster checks clean, exit code 0', () => {
    assert.equal(report.deadLetters.missing, 0, out);
    assert.equal(run.code, 0, out);
    assert.equal(report.pass, true, out);
  });
});
