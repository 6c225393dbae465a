/**
 * MluviiClient.downloadFile over real HTTP against the simulator's recordings (and, for redirects,
 * a small server of our own): the Bearer token only ever reaches the API's origin, redirects are
 * followed by hand and drop the header off-origin, expired addresses, 404s and bodies cut short.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { MluviiClient, type DownloadBody } from '../../src/mluvii/client.js';
import { startSimulator, type RunningSimulator, type SimulatedFiles } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

const logger = createLogger({ level: 'silent' });
let sims: RunningSimulator[] = [];
let servers: Server[] = [];

afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await Promise.all(servers.map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))));
  sims = [];
  servers = [];
});

async function simulator(files: SimulatedFiles): Promise<RunningSimulator> {
  const sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 4, sessionsPerDay: 60, files });
  sims.push(sim);
  return sim;
}

function clientFor(baseUrl: string, sim: RunningSimulator): MluviiClient {
  return new MluviiClient({
    baseUrl, tokenUrl: `${sim.url}/login/connect/token`, clientId: sim.clientId, clientSecret: sim.clientSecret,
    rps: 200, concurrency: 4, pageSize: 50, logger, retryBaseMs: 20, retryMaxMs: 200,
  });
}

/** A recording the simulator serves: its address as the detail (or the list) shows it, and its content key. */
function recording(sim: RunningSimulator, view: 'detail' | 'list' = 'detail'): { url: string; key: string } {
  for (const id of sim.expectedSessionIds(new Date('2026-05-04T00:00:00Z'), new Date('2026-05-05T00:00:00Z'))) {
    const r = sim.sessionDetail(id)?.session.recordings?.find((x) => x?.downloadUrl);
    if (r?.downloadUrl) return { url: view === 'list' ? r.downloadUrl.replace('v=d', 'v=l') : r.downloadUrl, key: `recording-${r.id}` };
  }
  throw new Error('no recording');
}

/** A consumer that hashes the body in memory (small files only). */
const hashBody = async ({ body }: DownloadBody): Promise<{ size: number; sha256: string }> => {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of body as Readable) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: h.digest('hex') };
};

/** A server of our own that logs the Authorization header of every request and answers with `route`. */
async function recordingServer(route: (path: string) => { status: number; location?: string; body?: string }) {
  const seen: Array<{ path: string; authorization: string | undefined }> = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: (req.headers as IncomingHttpHeaders).authorization });
    const a = route(req.url ?? '');
    res.writeHead(a.status, { ...(a.location ? { location: a.location } : {}), 'content-length': String(Buffer.byteLength(a.body ?? '')) });
    res.end(a.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('downloadFile: where the token goes', () => {
  it('sends the Bearer token to the API origin and gets the exact bytes', async () => {
    const sim = await simulator({});
    const { url, key } = recording(sim);
    const r = await clientFor(sim.url, sim).downloadFile(url, hashBody);
    expect(r).toEqual({ kind: 'ok', value: sim.files!.expectedFile(key) });
  });

  it('refuses a foreign address that is not pre-signed, without sending any request there', async () => {
    const sim = await simulator({ foreignUnsignedRate: 1 });
    const { url } = recording(sim);
    expect(url.startsWith(sim.files!.storageUrl)).toBe(true);
    const r = await clientFor(sim.url, sim).downloadFile(url, hashBody);
    expect(r).toEqual({ kind: 'refused', reason: expect.stringMatching(/not the API's origin, and is not a pre-signed URL/) });
    expect(sim.files!.storageRequests).toBe(0);
  });

  it('fetches a pre-signed foreign address without the header', async () => {
    const sim = await simulator({ foreignPresignedRate: 1 });
    const { url, key } = recording(sim);
    const r = await clientFor(sim.url, sim).downloadFile(url, hashBody);
    expect(r).toEqual({ kind: 'ok', value: sim.files!.expectedFile(key) });
    expect([sim.files!.storageRequests, sim.files!.tokenLeaks]).toEqual([1, 0]);
  });

  it('follows the API\'s redirect to another origin without the header', async () => {
    const sim = await simulator({ redirectRate: 1 });
    const { url, key } = recording(sim);
    const r = await clientFor(sim.url, sim).downloadFile(url, hashBody);
    expect(r).toEqual({ kind: 'ok', value: sim.files!.expectedFile(key) });
    expect([sim.files!.storageRequests, sim.files!.tokenLeaks]).toEqual([1, 0]);
  });

  it('keeps the header on a same-origin hop, drops it on a foreign one, and never gets it back', async () => {
    const sim = await simulator({});
    const foreign = await recordingServer((p) => (p === '/back' ? { status: 302, location: `${api.url}/final` } : { status: 200, body: 'foreign' }));
    const api = await recordingServer((p) => {
      if (p === '/start') return { status: 307, location: '/hop' };
      if (p === '/hop') return { status: 302, location: `${foreign.url}/back` };
      return { status: 200, body: 'final' };
    });
    const r = await clientFor(api.url, sim).downloadFile(`${api.url}/start`, hashBody);
    expect(r.kind).toBe('ok');
    expect(api.seen.map((s) => [s.path, s.authorization?.startsWith('Bearer ') ?? false])).toEqual([['/start', true], ['/hop', true], ['/final', false]]);
    expect(foreign.seen).toEqual([{ path: '/back', authorization: undefined }]);
  });

  it('the pre-signed test only decides whether a foreign address is fetched, never whether the token is sent', async () => {
    const sim = await simulator({});
    const api = await recordingServer(() => ({ status: 200, body: 'ours' }));
    const foreign = await recordingServer(() => ({ status: 200, body: 'theirs' }));
    const c = clientFor(api.url, sim);
    // Names alone pass the heuristic (`?sig=x&se=y`): on the API's origin the token goes as always …
    expect((await c.downloadFile(`${api.url}/f?sig=x&se=y`, hashBody)).kind).toBe('ok');
    // … and on another origin the address is fetched, but never with the token.
    expect((await c.downloadFile(`${foreign.url}/f?sig=x&se=y`, hashBody)).kind).toBe('ok');
    expect(api.seen).toEqual([{ path: '/f?sig=x&se=y', authorization: expect.stringMatching(/^Bearer /) }]);
    expect(foreign.seen).toEqual([{ path: '/f?sig=x&se=y', authorization: undefined }]);
  });

  it('gives up on a redirect loop with a reason', async () => {
    const sim = await simulator({});
    const api = await recordingServer(() => ({ status: 302, location: '/again' }));
    const r = await clientFor(api.url, sim).downloadFile(`${api.url}/x`, hashBody);
    expect(r).toEqual({ kind: 'failed', reason: expect.stringMatching(/more than 5 redirects/), status: 302 });
  });

  it('refuses addresses that are not http(s) URLs', async () => {
    const sim = await simulator({});
    const c = clientFor(sim.url, sim);
    expect(await c.downloadFile('file:///etc/passwd', hashBody)).toEqual({ kind: 'refused', reason: expect.stringMatching(/file, not http/) });
    expect(await c.downloadFile('not a url', hashBody)).toEqual({ kind: 'refused', reason: 'downloadUrl is not a URL' });
  });
});

describe('downloadFile: answers the caller decides about', () => {
  it('an expired address (401 after renewing the token once, 403, 410) is `expired`; the detail\'s fresh address works', async () => {
    const sim = await simulator({ expiredUrlRate: 1 });
    const c = clientFor(sim.url, sim);
    const statuses = new Set<number>();
    for (const id of sim.expectedSessionIds(new Date('2026-05-04T00:00:00Z'), new Date('2026-05-05T00:00:00Z'))) {
      for (const rec of sim.sessionDetail(id)?.session.recordings ?? []) {
        if (!rec?.downloadUrl || statuses.size === 3) continue;
        const r = await c.downloadFile(rec.downloadUrl.replace('v=d', 'v=l'), hashBody);
        expect(r.kind).toBe('expired');
        if (r.kind === 'expired') statuses.add(r.status);
      }
    }
    expect([...statuses].sort()).toEqual([401, 403, 410]);
    const { url, key } = recording(sim, 'detail');
    expect(await c.downloadFile(url, hashBody)).toEqual({ kind: 'ok', value: sim.files!.expectedFile(key) });
  });

  it('404 is `not_found`', async () => {
    const sim = await simulator({ notFoundRate: 1 });
    expect(await clientFor(sim.url, sim).downloadFile(recording(sim).url, hashBody)).toEqual({ kind: 'not_found' });
  });

  it('a body cut short is retried from the start and the bytes come out exact', async () => {
    const sim = await simulator({ cutShortRate: 1 });
    const { url, key } = recording(sim);
    const c = clientFor(sim.url, sim);
    const r = await c.downloadFile(url, hashBody);
    expect(r).toEqual({ kind: 'ok', value: sim.files!.expectedFile(key) });
    expect(c.downloadRequestCount).toBe(2);
  });

  it('5xx and 429 are retried through the limiter like any request', async () => {
    const sim = await simulator({});
    sim.setMisbehaviour({ errorRate: 0.3, throttle: { retryAfter: '0', times: 2 } });
    const { url, key } = recording(sim);
    const r = await clientFor(sim.url, sim).downloadFile(url, hashBody);
    expect(r).toEqual({ kind: 'ok', value: sim.files!.expectedFile(key) });
    expect(sim.stats().byEndpoint.fileContent?.['429']).toBe(2);
  });
});

describe('downloadFile: long downloads', () => {
  it('a download longer than the per-request timeout is not cut off while bytes keep coming', async () => {
    // ~46 chunks 40 ms apart: well over the 500 ms request timeout of the other calls, whatever the machine.
    const sim = await simulator({ slowLargeRate: 1, largeBytes: 3_000_000, slowChunkDelayMs: 40 });
    const c = new MluviiClient({
      baseUrl: sim.url, tokenUrl: `${sim.url}/login/connect/token`, clientId: sim.clientId, clientSecret: sim.clientSecret,
      rps: 100, concurrency: 2, pageSize: 10, logger, requestTimeoutMs: 500, maxAttempts: 2,
    });
    const { url, key } = recording(sim);
    const t = performance.now();
    expect(await c.downloadFile(url, hashBody)).toEqual({ kind: 'ok', value: sim.files!.expectedFile(key) });
    expect(performance.now() - t).toBeGreaterThan(500);
    expect(c.downloadRequestCount).toBe(1);
  });

  it('a server that stops sending ends the attempt after the idle timeout, and the download fails with the reason', async () => {
    const sim = await simulator({});
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write(Buffer.alloc(1000)); // … and nothing more
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const c = new MluviiClient({
      baseUrl: base, tokenUrl: `${sim.url}/login/connect/token`, clientId: sim.clientId, clientSecret: sim.clientSecret,
      rps: 100, concurrency: 2, pageSize: 10, logger, requestTimeoutMs: 300, maxAttempts: 2, retryBaseMs: 10, retryMaxMs: 20,
    });
    const r = await c.downloadFile(`${base}/stalled`, hashBody);
    expect(r).toEqual({ kind: 'failed', reason: expect.stringMatching(/\/stalled failed after 2 attempts: timed out/) });
  });
});
