import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST a receiver got, in arrival order. */
export interface Received {
  path: string;
  body: string;
  status: number;
}

/**
 * A tiny callback server for the simulator's webhooks: records every POST and answers with what
 * `answer` says (default 200), so a test can make deliveries fail.
 */
export async function startReceiver(answer: (body: string, attempt: number) => number = () => 200): Promise<{ url: string; received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      const attempt = (attempts.get(body) ?? 0) + 1;
      attempts.set(body, attempt);
      const status = answer(body, attempt);
      received.push({ path: req.url ?? '', body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
