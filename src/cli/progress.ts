import { SingleBar } from 'cli-progress';

/** Progress over partitions: a live bar on a terminal, otherwise a line at every tenth of them. */
export interface PartitionProgress {
  update: (done: number, of: number, detail: string) => void;
  stop: () => void;
}

/** `label` starts each line ("migrating", "reindexing order"); `detail` follows the count. */
export function partitionProgress(label: string): PartitionProgress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: `${label} [{bar}] {value}/{total} partitions | {detail} | {duration_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    bar.start(1, 0, { detail: '' });
    return {
      update: (done, of, detail) => {
        bar.setTotal(of);
        bar.update(done, { detail });
      },
      stop: () => bar.stop(),
    };
  }
  let nextTenth = 1;
  return {
    update: (done, of, detail) => {
      if (done * 10 < nextTenth * of) return;
      nextTenth = Math.floor((done * 10) / of) + 1;
      process.stderr.write(`${label}: ${done}/${of} partitions, ${detail}\n`);
    },
    stop: () => {},
  };
}
