/**
 * A progress indicator for long set-up steps, on stderr so stdout keeps only results: a
 * cli-progress bar on a terminal, otherwise a line at every quarter.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let next = 0.25;
  return {
    update(done) {
      if (total > 0 && done / total >= next) {
        process.stderr.write(`${label}: ${Math.round((done / total) * 100)}% (${done}/${total})\n`);
        while (done / total >= next) next += 0.25;
      }
    },
    stop: () => undefined,
  };
}
