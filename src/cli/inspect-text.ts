import type { BaseInfo, InspectReport, SegmentInfo } from '../client/inspection.ts';
import { toJson } from './json-output.ts';

/** One line when short, indented when long: small contexts stay greppable, big ones stay readable. */
function show(v: unknown): string {
  const line = toJson(v);
  return line.length <= 100 ? line : JSON.stringify(JSON.parse(line), null, 2);
}
const indent = (text: string, pad: string): string => text.replace(/\n/g, `\n${pad}`);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The text form: one labelled line per fact, in the order one debugs a stuck actor. */
export function renderInspect(r: InspectReport): string {
  const pad = ' '.repeat(12);
  const row = (label: string, text: string) => `${label.padEnd(12)}${indent(text, pad)}\n`;
  let out = `${r.type}/${r.id} in namespace ${r.namespace}, partition ${r.partition} of ${r.partitions} (pool ${r.pool})\n`;
  out += row('log key', r.keys.log);
  out += row('base', baseLine(r.base));
  if (!r.base.empty) out += row('', `ctx ${show(r.base.ctx)}`);
  out += row(
    'log',
    r.log.exists
      ? `${plural(r.log.segments, 'segment')} after the base, ${plural(r.log.bytes, 'byte')}` +
          (r.log.stowed > 0 ? `; the first ${r.log.stowed} stowed in ${r.keys.logBucket}` : '')
      : 'no log yet (nothing committed): the context is initial()',
  );
  if (r.last.length > 0) {
    out += row(`last ${r.last.length}`, r.last.map(segmentLine).join('\n'));
  }
  out += row(
    'history',
    r.history
      ? `${plural(r.history.segments, 'merged segment')} kept for read({ at })`
      : 'none kept (merged segments are dropped unless the type sets retainMs)',
  );
  out += row(
    'read({at})',
    r.timeTravel.time ? `reaches back to ${r.timeTravel.time}` : 'reaches back to initial()',
  );
  out += row(
    'merge lock',
    !r.lock.held
      ? 'free'
      : r.lock.ttlMs === null
        ? 'held with no expiry (not set by Troupe; it will never clear by itself)'
        : `held, expires in ${r.lock.ttlMs} ms`,
  );
  out += row('merge due', r.mergeDue ? "yes: flagged for the partition owner's merge sweep" : 'no');
  if (r.policy) {
    const { segments, bytes, retainMs } = r.policy;
    out += row(
      'policy',
      `merge at ${segments || '∞'} segments or ${bytes || '∞'} bytes; retainMs ${retainMs}`,
    );
  }
  out += row('mailbox', `${plural(r.mailbox, 'message')} waiting${r.running ? '; a turn is running' : ''}`);
  out += row(
    'directory',
    r.indexed === null
      ? 'not listed (no turn committed yet, or destroyed)'
      : `listed${Object.keys(r.indexed).length > 0 ? `; indexed as ${show(r.indexed)}` : ''}`,
  );
  if (r.schedules.length === 0) out += row('repeats', 'none');
  for (const [i, sc] of r.schedules.entries()) {
    const rule =
      'everyMs' in sc.rule ? `every ${sc.rule.everyMs} ms` : `cron ${sc.rule.cron} ${sc.rule.tz ?? 'UTC'}`;
    out += row(
      i === 0 ? 'repeats' : '',
      `${sc.name}: ${sc.method}, ${rule}, next ${new Date(sc.next).toISOString()}`,
    );
  }
  if (r.folded) {
    out += row(r.at ? 'context at' : 'context', show(r.context));
    const upTo = r.folded.time ? `, up to seq ${r.folded.seq} stamped ${r.folded.time}` : '';
    const asOf = r.at ? ` (as of ${r.at.time})` : '';
    out += row('', `folded: base + ${plural(r.folded.segments, 'segment')}${upTo}${asOf}`);
  } else {
    out += row('context', `unknown: ${r.note ?? 'not folded'} (base ctx and raw segments are shown above)`);
  }
  return out;
}

function baseLine(b: BaseInfo): string {
  if (b.error) return `undecodable (${b.error}), ${plural(b.bytes, 'byte')}`;
  if (b.empty) return 'empty: initial(), never merged';
  const when = b.time ? `, the last stamped ${b.time}` : '';
  return `merge version ${b.version}: segments up to seq ${b.seq} folded in${when}; ${plural(b.bytes, 'byte')}`;
}

function segmentLine(s: SegmentInfo): string {
  if (s.error) return `#${s.index} undecodable (${s.error}): ${String(s.seg)}`;
  return `seq ${s.seq}  ${s.time ?? '?'}  ${toJson(s.seg)}`;
}
