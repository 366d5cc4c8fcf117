/**
 * A remote file read with synchronous HTTP Range requests, for a Web Worker (synchronous XHR is
 * allowed there, and it is what a synchronous C library like HDF5 needs). Reads are served from
 * fixed-size chunks kept in a bounded least-recently-used cache; neighbouring missing chunks of one
 * read are fetched in a single request. Cookies go with every request (same origin), so the server's
 * access policy applies to each of them.
 */
export class RangeFile {
  /** chunk index → bytes, in least-recently-used order (Map keeps insertion order). */
  private readonly chunks = new Map<number, Uint8Array>();
  requests = 0;
  bytesFetched = 0;

  private constructor(
    readonly url: string,
    readonly size: number,
    readonly chunkSize: number,
    private readonly maxChunks: number,
    first: Uint8Array,
  ) {
    this.chunks.set(0, first);
  }

  /**
   * Opens the file by fetching its first chunk, whose Content-Range gives the size. A server that
   * ignores Range answers 200 with everything, which then serves every read.
   */
  static open(url: string, chunkSize = 256 * 1024, cacheBytes = 64 * 1024 * 1024): RangeFile {
    const xhr = request(url, 0, chunkSize - 1);
    const body = new Uint8Array(xhr.response as ArrayBuffer);
    if (xhr.status === 200) return new RangeFile(url, body.byteLength, Math.max(1, body.byteLength), 1, body);
    const total = /\/(\d+)$/.exec(xhr.getResponseHeader('content-range') ?? '')?.[1];
    if (total === undefined) throw new Error('The server sent no Content-Range for a range request');
    const file = new RangeFile(
      url,
      Number(total),
      chunkSize,
      Math.max(2, Math.floor(cacheBytes / chunkSize)),
      body,
    );
    file.requests = 1;
    file.bytesFetched = body.byteLength;
    return file;
  }

  /** Copies up to `length` bytes at `position` into `target` at `offset`; returns how many. */
  read(target: Uint8Array, offset: number, length: number, position: number): number {
    const end = Math.min(this.size, position + length);
    if (position >= end) return 0;
    const firstChunk = Math.floor(position / this.chunkSize);
    const lastChunk = Math.floor((end - 1) / this.chunkSize);
    this.fetchMissing(firstChunk, lastChunk);
    let at = offset;
    for (let c = firstChunk; c <= lastChunk; c++) {
      const bytes = this.touch(c);
      const from = Math.max(position, c * this.chunkSize) - c * this.chunkSize;
      const to = Math.min(end, (c + 1) * this.chunkSize) - c * this.chunkSize;
      target.set(bytes.subarray(from, to), at);
      at += to - from;
    }
    return at - offset;
  }

  private touch(c: number): Uint8Array {
    const bytes = this.chunks.get(c)!;
    this.chunks.delete(c);
    this.chunks.set(c, bytes);
    return bytes;
  }

  private fetchMissing(first: number, last: number) {
    for (let c = first; c <= last; c++) {
      if (this.chunks.has(c)) continue;
      let runEnd = c;
      while (runEnd < last && !this.chunks.has(runEnd + 1)) runEnd++;
      const from = c * this.chunkSize;
      const to = Math.min(this.size, (runEnd + 1) * this.chunkSize) - 1;
      const xhr = request(this.url, from, to);
      if (xhr.status !== 206) throw new Error(`The server answered ${xhr.status} to a range request`);
      const body = new Uint8Array(xhr.response as ArrayBuffer);
      this.requests++;
      this.bytesFetched += body.byteLength;
      for (let k = c; k <= runEnd; k++)
        this.chunks.set(k, body.subarray((k - c) * this.chunkSize, (k - c + 1) * this.chunkSize));
      c = runEnd;
    }
    // Evict least recently used chunks, never those of the read in progress.
    for (const key of this.chunks.keys()) {
      if (this.chunks.size <= this.maxChunks) break;
      if (key < first || key > last) this.chunks.delete(key);
    }
  }
}

function request(url: string, from: number, to: number): XMLHttpRequest {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', url, false);
  xhr.responseType = 'arraybuffer';
  xhr.setRequestHeader('Range', `bytes=${from}-${to}`);
  xhr.send();
  if (xhr.status === 202)
    throw new Error('This file is on tape; download it to restore it, then preview it.');
  if (xhr.status !== 200 && xhr.status !== 206) {
    let message = `The server answered ${xhr.status}.`;
    try {
      message = JSON.parse(new TextDecoder().decode(xhr.response as ArrayBuffer)).message ?? message;
    } catch {
      // not a JSON error body
    }
    throw new Error(message);
  }
  return xhr;
}
