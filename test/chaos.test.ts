/**
 * The short chaos run: 12 s of load over 2 worker processes while workers are SIGKILLed and frozen
 * past their lease, Redis (AOF, appendfsync always) is restarted, and poison and malformed messages
 * are injected. chaos/main.ts starts its own redis-server. Nothing confirmed may be lost, nothing
 * applied twice or out of order, and every bad message must end in the dead letters.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../chaos/report.ts';
import { runNode, type Run } from './helpers/run.ts';

describe('chaos (short run)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-chaos-'));
  const file = join(dir, 'report.json');
  const seed = String(Math.floor(Math.random() * 2 ** 31));
  const args = ['--seconds', '12', '--workers', '2', '--fault-every', '700', '--seed', seed];
  let run: Run;
  let report: Report;
  let out: string;

  before(async () => {
    run = await runNode(['--import', 'tsx', 'chaos/main.ts', ...args, '--json', file], process.env, 170_000);
    out = `replay: npm run chaos -- ${args.join(' ')}\n${run.stdout}\n${run.stderr}`;
    report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ran a steady load and injected faults', () => {
    assert.ok(report.messages.confirmed > 1000, `${report.messages.confirmed} confirmed\n${out}`);
    // each fault waits for recovery before the next, so how many fit depends on the machine's load
    const injected = Object.values(report.faults).reduce((s, n) => s + n, 0);
    const kinds = Object.values(report.faults).filter((n) => n > 0).length;
    assert.ok(injected >= 3 && kinds >= 2, `faults: ${JSON.stringify(report.faults)}\n${out}`);
  });

  it('lost, duplicated and reordered nothing that was confirmed, and applied nothing never sent', () => {
    assert.equal(report.lost, 0, out);
    assert.equal(report.duplicated, 0, out);
    assert.equal(report.outOfOrder, 0, out);
    assert.equal(report.phantom, 0, out);
    assert.equal(
      report.messages.applied,
      report.messages.confirmed + report.messages.appliedUnconfirmed,
      out,
    );
  });

  it('dead-lettered every poison and malformed message once, and nothing else', () => {
    const d = report.deadLetters;
    assert.equal(d.missing, 0, out);
    assert.ok(d.found >= d.expected && d.found <= d.expected + d.unconfirmed, out);
    assert.equal(d.duplicated + d.records + d.other, 0, out);
  });

  it('drained: every confirmed message applied after the faults stopped', () => {
    assert.notEqual(report.drainMs, null, out);
  });

  it('PASS: no tell hung, every worker stopped gracefully, exit code 0', () => {
    assert.equal(report.messages.hung, 0, out);
    assert.equal(run.code, 0, out);
    assert.equal(report.pass, true, out);
  });
});
