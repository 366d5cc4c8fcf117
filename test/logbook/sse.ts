/** A minimal Server-Sent Events reader over fetch, for tests: yields messages as they arrive. */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export class SseClient {
  private buffer = '';
  private queue: SseMessage[] = [];
  private waiters: (() => void)[] = [];
  private controller = new AbortController();
  status = 0;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: c.controller.signal,
    });
    c.status = res.status;
    if (res.ok && res.body) void c.read(res.body);
    return c;
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, cut);
          this.buffer = this.buffer.slice(cut + 2);
          const msg: SseMessage = { event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') msg.id = value;
            else if (field === 'event') msg.event = value;
            else if (field === 'data') ((msg.data += (hasData ? '\n' : '') + value), (hasData = true));
          }
          if (hasData) this.queue.push(msg);
        }
        this.waiters.splice(0).forEach((w) => w());
      }
    } catch {
      // aborted
    }
  }

  /** The next message, waiting up to `ms`. */
  async next(ms = 5000): Promise<SseMessage> {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      if (Date.now() > deadline) throw new Error('no SSE message in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.queue.shift()!;
  }

  close() {
    this.controller.abort();
  }
}
