/**
 * List pages read as a stream (list-items-splitter.ts) over real HTTP, from a small server of our
 * own that writes pages no simulator could hold as a string: a page larger than the longest string
 * V8 can make, cut connections, broken items. Tokens come from the simulator.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/log.js';
import { MluviiApiError, MluviiClient, type ListedSession } from '../../src/mluvii/client.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';

const logger = createLogger({ level: 'silent' });
const WINDOW = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-02T00:00:00Z') };
let sim: RunningSimulator | undefined;
let server: Server | undefined;

afterEach(async () => {
  await sim?.stop();
  if (server) await new Promise<void>((r) => (server?.closeAllConnections(), server?.close(() => r())));
  sim = undefined;
  server = undefined;
});

/** Writes `pieces` (a Buffer or a count of repeated pad bytes) with backpressure: nothing is built whole. */
async function writeStreamed(res: ServerResponse, pieces: Array<Buffer | number>): Promise<void> {
  const pad = Buffer.alloc(1 << 20, 0x78);
  for (const piece of pieces) {
    for (let left = typeof piece === 'number' ? piece : 0; typeof piece === 'number' ? left > 0 : false; left -= pad.length) {
      if (!res.write(left >= pad.length ? pad : pad.subarray(0, left))) await new Promise((r) => res.once('drain', r));
    }
    if (typeof piece !== 'number' && !res.write(piece)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
}

/** A list endpoint answering `page(offset, call)` for every list call; [] when it returns undefined. */
async function listServer(page: (offset: number, res: ServerResponse, call: number) => Promise<boolean>): Promise<{ client: MluviiClient; calls: number[] }> {
  sim = await startSimulator({ seed: 3, sessionsPerDay: 10, now: () => new Date('2026-06-10T00:00:00Z') });
  const calls: number[] = [];
  server = createServer((req, res) => {
    const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset'));
    calls.push(offset);
    page(offset, res, calls.length).then(
      (answered) => {
        if (!answered) res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const client = new MluviiClient({
    baseUrl: `http://127.0.0.1:${port}`,
    tokenUrl: `${sim.url}/login/connect/token`,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    rps: 200,
    concurrency: 2,
    pageSize: 50,
    logger,
    retryBaseMs: 20,
    retryMaxMs: 100,
    maxItemBytes: 1_000_000,
    requestTimeoutMs: 120_000,
  });
  return { client, calls };
}

async function listAll(client: MluviiClient): Promise<ListedSession[]> {
  const out: ListedSession[] = [];
  for await (const item of client.listSessions(WINDOW)) out.push(item);
  return out;
}

const session = (id: number) => ({ id, created: '2026-06-01T08:00:00+02:00' });

describe('list pages read as a stream', () => {
  it('a page larger than any string (540 MB item) is read: the item is counted to its end, never held, and the others are listed', async () => {
    const PAD = 540 * 1024 * 1024; // over V8's longest string, 0x1fffffe8 characters
    const { client } = await listServer(async (offset, res) => {
      if (offset !== 0) return false;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      await writeStreamed(res, [Buffer.from(`[${JSON.stringify(session(1))},{"pad":"`), PAD, Buffer.from(`","id":2,"created":"2026-06-01T09:00:00Z"},${JSON.stringify(session(3))}]`)]);
      return true;
    });
    const items = await listAll(client);
    expect(items.map((i) => i.payload)).toEqual([session(1), undefined, session(3)]);
    const big = items[1];
    expect(big.id).toBe(2);
    expect(big.oversized?.bytes).toBe(PAD + '{"pad":"","id":2,"created":"2026-06-01T09:00:00Z"}'.length);
    expect(big.oversized?.head).toBe(`{"pad":"${'x'.repeat(1024 - 8)}`);
    expect(items[0].textChecked).toBe(true);
  }, 120_000);

  it('each item is scanned for NUL on its own; any nesting depth is parsed', async () => {
    const deep = `${'['.repeat(5000)}"\\u0000"${']'.repeat(5000)}`;
    const { client } = await listServer(async (offset, res) => {
      if (offset !== 0) return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end(`[{"id":1,"created":"2026-06-01T08:00:00Z"},{"id":2,"x":"a\\u0000"},{"id":3,"deep":${deep}}]`);
      return true;
    });
    const items = await listAll(client);
    expect(items.map((i) => [(i.payload as { id: number }).id, i.textChecked])).toEqual([[1, true], [2, false], [3, false]]);
  });

  it('a connection cut in the middle of a page is retried; the page is read again whole', async () => {
    const { client, calls } = await listServer(async (offset, res, call) => {
      if (offset !== 0) return false;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`[${JSON.stringify(session(1))},{"id":2,"pad":"`);
      if (call === 1) {
        await new Promise((r) => setTimeout(r, 20));
        res.destroy(); // cut, mid-item
        return true;
      }
      res.end(`"},${JSON.stringify(session(3))}]`);
      return true;
    });
    const items = await listAll(client);
    expect(items.map((i) => (i.payload as { id: number }).id)).toEqual([1, 2, 3]);
    expect(calls).toEqual([0, 0, 240_000, 3]); // the cut page again, the one request past the session bound, the end
  });

  it('an answer that is no list, or an item that is no JSON, fails the window at once, without quoting the text', async () => {
    for (const [body, message] of [
      ['{"message":"nope"}', /GET \/api\/v1\/Sessions \(Created .*, offset 0\) answered HTTP 200 with a body that is not a JSON array: an object holding no array/],
      ['[{"id":1},{"id":2,"name":"Jana Dvořáková",}]', /answered HTTP 200 with a body that is not JSON \(its item 2 cannot be parsed\)$/],
      ['[{"id":1}', /answered HTTP 200 with a body that ends before its JSON is complete \(after 9 bytes\)/],
    ] as const) {
      const { client, calls } = await listServer(async (_offset, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        return true;
      });
      const err = await listAll(client).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MluviiApiError);
      expect((err as MluviiApiError).kind).toBe('payload');
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/Dvořáková/);
      expect(calls).toEqual([0]); // not retried: the same answer would come again
      await sim?.stop();
      await new Promise<void>((r) => (server?.closeAllConnections(), server?.close(() => r())));
      sim = undefined;
      server = undefined;
    }
  });
});
