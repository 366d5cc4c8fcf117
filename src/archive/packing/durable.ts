import fs from 'node:fs';
import path from 'node:path';

/** Flushes a file's data and metadata to the device. */
export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * fsyncFile on libuv's thread pool: the calling thread can work meanwhile. The file is opened here,
 * so the fsync is queued at once (an asynchronous open would wait for this thread's event loop).
 */
export function fsyncFileInBackground(file: string): Promise<void> {
  const fd = fs.openSync(file, 'r');
  return new Promise((resolve, reject) =>
    fs.fsync(fd, (err) => {
      fs.close(fd, () => {});
      if (err) reject(err);
      else resolve();
    }),
  );
}

/** Makes a rename or unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  fsyncFile(dir);
}

/** Writes `content` so that `file` is either the old or the new version, never a torn one. */
export function writeFileAtomic(file: string, content: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, content);
  fsyncFile(temp);
  fs.renameSync(temp, file);
  fsyncDir(path.dirname(file));
}

/**
 * Starts flushing a file being written in the background (fdatasync on libuv's thread pool) every
 * `everyBytes`, so the final fsync of a large container has little left to wait for.
 */
export class BackgroundWriteback {
  private pending = 0;
  private closed = false;
  private lastAt = 0;

  private constructor(
    private readonly fd: number,
    private readonly everyBytes: number,
  ) {}

  static open(file: string, everyBytes: number): BackgroundWriteback {
    return new BackgroundWriteback(fs.openSync(file, 'r'), everyBytes);
  }

  written(bytes: number): void {
    if (this.closed || bytes - this.lastAt < this.everyBytes) return;
    this.lastAt = bytes;
    this.pending += 1;
    fs.fdatasync(this.fd, () => {
      this.pending -= 1;
      this.closeWhenIdle();
    });
  }

  close(): void {
    this.closed = true;
    this.closeWhenIdle();
  }

  private closeWhenIdle(): void {
    if (this.closed && this.pending === 0) fs.close(this.fd, () => {});
  }
}
