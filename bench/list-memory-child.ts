/**
 * The reading side of bench/list-memory.ts, in a process of its own: lists the window through the
 * client (`stream`, what the pipeline does), or the way pages were read before this change
 * (`whole`: the body as one string, JSON.parse, every item stringified to measure it). Prints its
 * peak RSS (getrusage maxrss), idle RSS, the items and how long the listing took.
 */
import got from 'got';
import { createLogger } from '../src/log.js';
import { MluviiClient } from '../src/mluvii/client.js';

const args = JSON.parse(process.argv[2]) as { baseUrl: string; tokenUrl: string; clientId: string; clientSecret: string; mode: 'stream' | 'whole' };
const MiB = 1024 * 1024;
const window = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-02T00:00:00Z') };
const client = new MluviiClient({ ...args, rps: 50, concurrency: 4, pageSize: 500, logger: createLogger({ level: 'warn', pretty: false }), requestTimeoutMs: 300_000 });

const idle = process.memoryUsage().rss;
const t = performance.now();
let items = 0;
let oversized = 0;
if (args.mode === 'stream') {
  for await (const item of client.listSessions(window)) {
    items++;
    if (item.oversized) oversized++;
  }
} else {
  const token = (await got.post(args.tokenUrl, { form: { grant_type: 'client_credentials', client_id: args.clientId, client_secret: args.clientSecret } }).json<{ access_token: string }>()).access_token;
  const body = await got(`${args.baseUrl}/api/v1/Sessions?offset=0&limit=500`, { headers: { authorization: `Bearer ${token}` } }).text();
  for (const item of JSON.parse(body) as unknown[]) {
    items++;
    if (Buffer.byteLength(JSON.stringify(item)) > 20_000_000) oversized++;
  }
}
const seconds = (performance.now() - t) / 1000;
console.log(
  JSON.stringify({
    peakRssMiB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    idleRssMiB: Number((idle / MiB).toFixed(1)),
    items,
    oversized,
    seconds: Number(seconds.toFixed(2)),
  }),
);
process.exit(0);
