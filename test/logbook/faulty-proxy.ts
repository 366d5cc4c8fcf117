import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../helpers/random.ts';

export type Fault = 'pass' | 'drop' | 'delay' | 'abortAfter' | 'late' | 'badGateway';

export interface FaultShares {
  /** Close the client connection without forwarding. */
  drop: number;
  /** Forward after a short random delay. */
  delay: number;
  /** Forward, let the app answer, then cut the client off: stored, but the client sees an error. */
  abortAfter: number;
  /** Cut the client off at once but still forward the request a little later: a late duplicate racing the retry. */
  late: number;
  /** Answer 502 without forwarding. */
  badGateway: number;
}

/**
 * A real HTTP proxy on loopback that forwards to `upstream` and injects faults for a seeded share
 * of requests. `settled()` resolves once no forwarded request is still on its way.
 */
export async function startFaultyProxy(upstream: string, shares: FaultShares, seed: number, lateMs = 30) {
  const random = mulberry32(seed);
  const target = new URL(upstream);
  const counts: Record<Fault, number> = { pass: 0, drop: 0, delay: 0, abortAfter: 0, late: 0, badGateway: 0 };
  let inFlight = 0;
  const pick = (): Fault => {
    let r = random();
    for (const f of ['drop', 'delay', 'abortAfter', 'late', 'badGateway'] as const) {
      if (r < shares[f]) return f;
      r -= shares[f];
    }
    return 'pass';
  };
  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      inFlight++;
      const up = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(parts) }),
          );
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    }).finally(() => inFlight--);

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      const fault = pick();
      counts[fault]++;
      const body = Buffer.concat(parts);
      try {
        if (fault === 'drop') return req.socket.destroy();
        if (fault === 'badGateway')
          return res.writeHead(502, { 'content-type': 'application/json' }).end('{"code":"bad_gateway"}');
        if (fault === 'delay') await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
        if (fault === 'late') {
          req.socket.destroy();
          inFlight++;
          await new Promise((r) => setTimeout(r, Math.floor(random() * lateMs)));
          inFlight--;
          await forward(req, body).catch(() => {});
          return;
        }
        const answer = await forward(req, body);
        if (fault === 'abortAfter') return req.socket.destroy();
        res
          .writeHead(answer.status, { 'content-type': answer.headers['content-type'] ?? 'application/json' })
          .end(answer.body);
      } catch {
        req.socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    async settled() {
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
