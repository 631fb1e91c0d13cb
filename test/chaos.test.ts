/**
 * The short chaos run: 8 s of load over 2 worker processes while workers are SIGKILLed and frozen
 * past their lease, Redis (AOF, appendfsync always) is restarted, and poison and malformed messages
 * are injected. chaos/main.ts starts its own redis-server. Nothing confirmed may be lost, nothing
 * applied twice or out of order, and every bad message must end in the dead letters.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { Report } from '../chaos/report.ts';
import { runNode } from './helpers/run.ts';

it('survives workers killed and frozen, Redis restarted, poison and malformed input: nothing lost, duplicated or reordered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-chaos-'));
  const file = join(dir, 'report.json');
  try {
    const seed = String(Math.floor(Math.random() * 2 ** 31));
    const args = ['--seconds', '8', '--workers', '2', '--fault-every', '700', '--seed', seed, '--json', file];
    const run = await runNode(['--import', 'tsx', 'chaos/main.ts', ...args], process.env, 150_000);
    const replay = `replay: npm run chaos -- ${args.slice(0, -2).join(' ')}`;
    const out = `${replay}\n${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, out);
    assert.match(run.stdout, /^PASS$/m, out);
    const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    assert.equal(report.pass, true, out);
    assert.equal(report.lost, 0, out);
    assert.equal(report.duplicated, 0, out);
    assert.equal(report.outOfOrder, 0, out);
    assert.equal(report.phantom, 0, out);
    assert.ok(report.messages.confirmed > 1000, `a steady load ran: ${report.messages.confirmed} confirmed`);
    assert.equal(
      report.messages.applied,
      report.messages.confirmed + report.messages.appliedUnconfirmed,
      out,
    );
    const injected = Object.values(report.faults).reduce((s, n) => s + n, 0);
    assert.ok(injected >= 4, `faults were injected: ${JSON.stringify(report.faults)}`);
    assert.equal(report.deadLetters.missing, 0, out);
    const d = report.deadLetters;
    assert.ok(d.found >= d.expected && d.found <= d.expected + d.unconfirmed, out);
    assert.equal(d.duplicated + d.records + d.other, 0, out);
    assert.notEqual(report.drainMs, null, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
