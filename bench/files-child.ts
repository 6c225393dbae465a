/**
 * The downloading side of bench/files.ts, in a process of its own so its RSS is the downloader's.
 * Alternates a plain streamed GET (got stream → file) and the real download path on the same URL,
 * then downloads the large recording through the real path while sampling RSS.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import got from 'got';
import { NO_LIMITS, storeAtomically } from '../src/files/store.js';
import { createLogger } from '../src/log.js';
import { MluviiClient } from '../src/mluvii/client.js';

const args = JSON.parse(process.argv[2]) as {
  baseUrl: string; largeBaseUrl: string; clientId: string; clientSecret: string; url: string; largeUrl: string; rounds: number; dir: string;
};
const MB = 1024 * 1024;
const logger = createLogger({ level: 'warn', pretty: false });
const clientFor = (baseUrl: string) =>
  new MluviiClient({ baseUrl, tokenUrl: `${baseUrl}/login/connect/token`, clientId: args.clientId, clientSecret: args.clientSecret, rps: 5, concurrency: 4, pageSize: 100, logger });

async function token(baseUrl: string): Promise<string> {
  const r = await got.post(`${baseUrl}/login/connect/token`, { form: { grant_type: 'client_credentials', client_id: args.clientId, client_secret: args.clientSecret } }).json<{ access_token: string }>();
  return r.access_token;
}

async function plainGet(bearer: string, path: string): Promise<number> {
  const t = performance.now();
  await pipeline(got.stream(args.url, { headers: { authorization: `Bearer ${bearer}`, 'accept-encoding': 'identity' } }), createWriteStream(path));
  return performance.now() - t;
}

async function realDownload(client: MluviiClient, url: string, rel: string): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  const r = await client.downloadFile(url, ({ body, contentLength, contentType }) =>
    storeAtomically(args.dir, rel, body, { contentLength, contentType, kind: 'recording', name: null, ...NO_LIMITS }),
  );
  if (r.kind !== 'ok') throw new Error(`download failed: ${JSON.stringify(r)}`);
  return { ms: performance.now() - t, bytes: r.value.sizeBytes };
}

mkdirSync(join(args.dir, '.partial'), { recursive: true });
const client = clientFor(args.baseUrl);
const bearer = await token(args.baseUrl);
const plainMBps: number[] = [];
const realMBps: number[] = [];
let bytes = 0;
for (let i = 0; i < args.rounds; i++) {
  // Alternating, so a busy moment of the shared machine hits both sides alike.
  const plainPath = join(args.dir, 'plain.bin');
  const ms1 = await plainGet(bearer, plainPath);
  const real = await realDownload(client, args.url, 'real/real.bin');
  bytes = real.bytes;
  plainMBps.push(Number((bytes / MB / (ms1 / 1000)).toFixed(1)));
  realMBps.push(Number((bytes / MB / (real.ms / 1000)).toFixed(1)));
  rmSync(plainPath, { force: true });
  rmSync(join(args.dir, 'real/real.bin'), { force: true });
}

// Peak RSS while downloading the large recording, above idle (after a GC, client and token ready).
const largeClient = clientFor(args.largeBaseUrl);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
await new Promise((r) => setTimeout(r, 200));
const idle = process.memoryUsage().rss;
let peak = idle;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 10);
const large = await realDownload(largeClient, args.largeUrl, 'large/large.bin');
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
rmSync(join(args.dir, 'large'), { recursive: true, force: true });
console.log(
  JSON.stringify({
    plainMBps,
    realMBps,
    idleRssMiB: Number((idle / MB).toFixed(1)),
    peakRssMiB: Number((peak / MB).toFixed(1)),
    largeSeconds: Number((large.ms / 1000).toFixed(2)),
    largeBytes: large.bytes,
  }),
);
process.exit(0);
