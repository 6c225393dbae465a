/**
 * The one ETA estimator of every long command (src/pipeline/eta.ts) and the progress of a download
 * pass: fed explicit instants, so nothing here depends on the clock or the machine's speed.
 */
import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { EtaEstimator } from '../../src/pipeline/eta.js';
import { createFileProgress, createProgress } from '../../src/pipeline/progress.js';

/** Items that take 5 s and 40 s in turn (a window of a quiet day, then a busy one): 20 in all. */
const DURATIONS_S = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 5 : 40));

/** The ETA after each item, by an estimator fed the same instants. */
function etas(estimate: (done: number, at: number) => number | undefined): number[] {
  const out: number[] = [];
  let at = 0;
  DURATIONS_S.forEach((d, i) => {
    at += d * 1000;
    const eta = estimate(i + 1, at);
    if (eta !== undefined) out.push(eta);
  });
  return out;
}

/** The largest rise of the ETA from one item to the next, as a share of the ETA before (a countdown should not jump back up). */
const largestRise = (xs: number[]) => Math.max(0, ...xs.slice(1).map((x, i) => (x - xs[i]) / xs[i]));

describe('EtaEstimator', () => {
  it('does not jump with every slow item as the last item\'s pace does (92 → 187 → 62 → 168 → 56 s)', () => {
    const total = DURATIONS_S.length;
    let lastAt = 0;
    const naive = etas((done, at) => {
      const eta = ((at - lastAt) / 1000) * (total - done);
      lastAt = at;
      return eta;
    });
    const est = new EtaEstimator(total, 0);
    const smooth = etas((done, at) => {
      est.update(done, at);
      return est.etaSeconds(at);
    });
    // The last item's pace swings the ETA up by 700 % from one step to the next …
    expect(largestRise(naive.slice(2, 10))).toBeGreaterThan(5);
    // … the smoothed one, after its first few items, rises by 15 % at most.
    expect(largestRise(smooth.slice(4))).toBeLessThan(0.15);
    // and stays near the truth: 22.5 s per item on average.
    smooth.slice(4).forEach((eta, i) => {
      const left = total - (i + 5);
      expect(Math.abs(eta - left * 22.5)).toBeLessThanOrEqual(Math.max(30, left * 22.5 * 0.5));
    });
    expect(smooth[smooth.length - 1]).toBe(0);
  });

  it('follows a lasting change of pace within a few half-lives', () => {
    const est = new EtaEstimator(10_000, 0);
    let at = 0;
    for (let i = 1; i <= 600; i++) est.update(i, (at += 1000)); // 1 item/s for 10 minutes
    for (let i = 601; i <= 3000; i++) est.update(i, (at += 250)); // then 4 items/s for 10 minutes (two half-lives)
    expect(est.ratePerSecond()).toBeGreaterThan(3.2);
    expect(est.etaSeconds(at)).toBeLessThan((7000 / 3.2) | 0);
  });

  it('counts down between updates, and is unknown until something is done', () => {
    const est = new EtaEstimator(10, 0);
    expect(est.etaSeconds(5_000)).toBeUndefined();
    est.update(5, 10_000);
    expect(est.etaSeconds(10_000)).toBe(10);
    expect(est.etaSeconds(14_000)).toBe(6);
    expect(est.etaSeconds(30_000)).toBe(0);
  });
});

/** A logger whose JSON lines are collected. */
function collectingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _e, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', pretty: false, destination }), lines };
}

describe('progress log lines (no terminal)', () => {
  it('a download pass logs files and bytes done, the byte rate and an ETA, at most every logEveryMs, and at the end', () => {
    const { logger, lines } = collectingLogger();
    let now = 0;
    const p = createFileProgress({ totalFiles: 4, logger, label: 'files', interactive: false, now: () => now, logEveryMs: 10_000 });
    now = 2_000;
    p.fileDone(1_000_000);
    now = 12_000;
    p.fileDone(3_000_000); // 12 s since the start: a line
    now = 14_000;
    p.fileDone(0); // 2 s since that line: none
    now = 16_000;
    p.fileDone(1_000_000); // the last file: a line
    expect(lines.map((l) => l.msg)).toEqual(['files progress', 'files progress']);
    expect(lines[0]).toMatchObject({ filesDone: 2, filesTotal: 4, bytesDone: 4_000_000, etaSeconds: expect.any(Number) });
    expect(lines[0].bytesPerSecond).toBeGreaterThan(0);
    expect(lines[1]).toMatchObject({ filesDone: 4, filesTotal: 4, bytesDone: 5_000_000, etaSeconds: 0 });
  });

  it('the window loop\'s ETA comes from the same estimator', () => {
    const { logger, lines } = collectingLogger();
    let now = 0;
    const p = createProgress({ totalWindows: 4, logger, label: 'backfill', interactive: false, now: () => now });
    for (const at of [10_000, 50_000, 60_000]) {
      now = at;
      p.windowFinished();
    }
    const est = new EtaEstimator(4, 0);
    [10_000, 50_000, 60_000].forEach((at, i) => est.update(i + 1, at));
    expect(lines[lines.length - 1]).toMatchObject({ windowsDone: 3, etaSeconds: Math.round(est.etaSeconds(60_000)!) });
  });
});
