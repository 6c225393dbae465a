/**
 * Recordings and shared files (issue #12): download throughput of the real path
 * (MluviiClient.downloadFile → files/store.ts: limiter, token, sha256 while streaming, fsync,
 * rename) against a plain streamed GET of the same bytes from the same server (got stream → file,
 * nothing else), alternating in the same process; and the peak RSS of the real path while it
 * downloads one large recording, above the process's idle RSS.
 *   node --import tsx bench/files.ts [--quick]     (quick: 64 MB files, 100 MB recording; full: 256 MB, 500 MB)
 * Goals: throughput >= 0.9x the plain GET; peak RSS < 150 MB above idle. The server (the simulator)
 * runs in this process, the downloads in a child, so the child's RSS is the downloader's alone.
 * The machine is shared: figures are noisy, medians of alternating rounds are reported.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { QUICK, ratio, report } from './lib.js';

const MB = 1024 * 1024;
const THROUGHPUT_BYTES = (QUICK ? 64 : 256) * MB;
const LARGE_BYTES = (QUICK ? 100 : 500) * MB;
const ROUNDS = QUICK ? 3 : 5;

/** The address of some recording the simulator serves (detail view: it works at once). */
function recordingUrl(sim: RunningSimulator): string {
  for (const id of sim.expectedSessionIds(new Date('2026-05-04T00:00:00Z'), new Date('2026-05-05T00:00:00Z'))) {
    const url = sim.sessionDetail(id)?.session.recordings?.find((r) => r?.downloadUrl)?.downloadUrl;
    if (url) return url;
  }
  throw new Error('the simulator has no recording in the bench day');
}

async function main() {
  const [small, large] = await Promise.all([
    startSimulator({ now: () => new Date(), seed: 3, sessionsPerDay: 200, files: { fixedBytes: THROUGHPUT_BYTES } }),
    startSimulator({ now: () => new Date(), seed: 3, sessionsPerDay: 200, files: { fixedBytes: LARGE_BYTES } }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'mluvii-bench-files-'));
  try {
    const args = {
      baseUrl: small.url,
      largeBaseUrl: large.url,
      clientId: small.clientId,
      clientSecret: small.clientSecret,
      url: recordingUrl(small),
      largeUrl: recordingUrl(large),
      rounds: ROUNDS,
      dir,
    };
    // The child talks to servers in this process: run it asynchronously so they can answer.
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', 'bench/files-child.ts', JSON.stringify(args)], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
        if (stderr) process.stderr.write(stderr);
        if (err) reject(err);
        else resolve(stdout);
      });
    });
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
      plainMBps: number[];
      realMBps: number[];
      idleRssMiB: number;
      peakRssMiB: number;
      largeSeconds: number;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    report('files', {
      throughput_file_mib: THROUGHPUT_BYTES / MB,
      rounds: ROUNDS,
      plain_get_mib_per_s: median(r.plainMBps),
      download_mib_per_s: median(r.realMBps),
      'ratio download/plain (goal >= 0.9)': ratio(median(r.realMBps), median(r.plainMBps)),
      plain_rounds: r.plainMBps,
      download_rounds: r.realMBps,
      large_recording_mib: LARGE_BYTES / MB,
      large_download_seconds: r.largeSeconds,
      idle_rss_mib: r.idleRssMiB,
      peak_rss_mib: r.peakRssMiB,
      'peak above idle, MiB (goal < 150 MB)': Number((r.peakRssMiB - r.idleRssMiB).toFixed(1)),
      note: 'shared, busy machine: figures are noisy',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await small.stop();
    await large.stop();
  }
}

await main();
