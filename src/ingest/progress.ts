import cliProgress from 'cli-progress';
import type { IngestProgress } from './run.ts';

const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → "1.5 kB" (decimal units, as disks are sold). */
export function formatBytes(n: number): string {
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** A progress bar on a terminal: files, bytes, rate and ETA (by bytes, which dominate the time). */
export function ingestProgressBar(stream: NodeJS.WritableStream) {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format:
        'ingest [{bar}] {percentage}% | {files}/{filesTotal} files | {done} of {all} | {rate}/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let begun = false;
  return {
    update(p: IngestProgress) {
      const payload = {
        files: p.files,
        filesTotal: p.filesTotal,
        done: formatBytes(p.bytes),
        all: formatBytes(p.bytesTotal),
        rate: formatBytes(p.bytes / Math.max(0.001, (performance.now() - started) / 1000)),
      };
      if (!begun) {
        bar.start(Math.max(1, p.bytesTotal), p.bytes, payload);
        begun = true;
      } else bar.update(p.bytes, payload);
    },
    stop: () => begun && bar.stop(),
  };
}
