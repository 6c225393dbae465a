import cliProgress from 'cli-progress';
import type { Logger } from '../log.js';
import { EtaEstimator } from './eta.js';

/**
 * Progress of a long command: a bar on a terminal, and periodic structured log lines otherwise
 * (cron, CI, Kubernetes), never both. Windows of `run`/`backfill` (windows, sessions, sessions/s,
 * ETA) and files of a download pass (files, bytes, bytes/s, ETA); both ETAs come from the one
 * smoothed estimator (eta.ts), so they do not jump with every slow window or large file.
 */
export interface Progress {
  addSessions(n: number): void;
  windowFinished(): void;
  stop(): void;
}

/** Periodic log lines at most this often (a finished window always logs one). */
const LOG_EVERY_MS = 10_000;

export function createProgress(opts: { totalWindows: number; logger: Logger; label: string; interactive?: boolean; now?: () => number }): Progress {
  const interactive = opts.interactive ?? Boolean(process.stderr.isTTY);
  const now = opts.now ?? Date.now;
  const started = now();
  const eta = new EtaEstimator(opts.totalWindows, started);
  let sessions = 0;
  let windows = 0;
  const rate = () => sessions / Math.max((now() - started) / 1000, 0.001);
  // Our own ETA: cli-progress's own reads "NULLs"/"INFs" until the rate is known.
  const etaText = () => (windows >= opts.totalWindows ? '0s' : formatSeconds(eta.etaSeconds(now()) ?? NaN));

  if (interactive) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${opts.label} [{bar}] {value}/{total} windows | {sessions} sessions | {rate} sessions/s | ETA {eta_text}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(opts.totalWindows, 0, { sessions: 0, rate: '0', eta_text: etaText() });
    return {
      addSessions(n) {
        sessions += n;
        bar.update(windows, { sessions, rate: rate().toFixed(0), eta_text: etaText() });
      },
      windowFinished() {
        windows += 1;
        eta.update(windows, now());
        bar.update(windows, { sessions, rate: rate().toFixed(0), eta_text: etaText() });
      },
      stop: () => bar.stop(),
    };
  }

  let lastLog = now();
  const log = () => {
    const etaS = eta.etaSeconds(now());
    opts.logger.info(
      { windowsDone: windows, windowsTotal: opts.totalWindows, sessions, sessionsPerSecond: Number(rate().toFixed(1)), etaSeconds: etaS === undefined ? undefined : Math.round(etaS) },
      `${opts.label} progress`,
    );
    lastLog = now();
  };
  return {
    addSessions(n) {
      sessions += n;
      if (now() - lastLog > LOG_EVERY_MS) log();
    },
    windowFinished() {
      windows += 1;
      eta.update(windows, now());
      log();
    },
    stop() {},
  };
}

export interface FileProgress {
  /** One file dealt with (stored or not), with the bytes it stored. */
  fileDone(bytes: number): void;
  stop(): void;
}

/** Progress of a download pass: files and bytes done, bytes/s, ETA by files. */
export function createFileProgress(opts: {
  totalFiles: number;
  logger: Logger;
  label: string;
  interactive?: boolean;
  now?: () => number;
  logEveryMs?: number;
}): FileProgress {
  const interactive = opts.interactive ?? Boolean(process.stderr.isTTY);
  const now = opts.now ?? Date.now;
  const every = opts.logEveryMs ?? LOG_EVERY_MS;
  const started = now();
  const eta = new EtaEstimator(opts.totalFiles, started);
  const bytesRate = new EtaEstimator(Infinity, started);
  let files = 0;
  let bytes = 0;
  const figures = () => {
    const at = now();
    const etaS = eta.etaSeconds(at);
    return { filesDone: files, filesTotal: opts.totalFiles, bytesDone: bytes, bytesPerSecond: Math.round(bytesRate.ratePerSecond() ?? 0), etaSeconds: etaS === undefined ? undefined : Math.round(etaS) };
  };

  if (interactive) {
    const bar = new cliProgress.SingleBar(
      { format: `${opts.label} [{bar}] {value}/{total} files | {bytes_text} | {rate_text}/s | ETA {eta_text}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    const payload = () => {
      const f = figures();
      return { bytes_text: formatBytes(f.bytesDone), rate_text: formatBytes(f.bytesPerSecond), eta_text: formatSeconds(f.etaSeconds ?? NaN) };
    };
    bar.start(opts.totalFiles, 0, payload());
    return {
      fileDone(n) {
        files += 1;
        bytes += n;
        eta.update(files, now());
        bytesRate.update(bytes, now());
        bar.update(Math.min(files, opts.totalFiles), payload());
      },
      stop: () => bar.stop(),
    };
  }

  let lastLog = started;
  return {
    fileDone(n) {
      files += 1;
      bytes += n;
      eta.update(files, now());
      bytesRate.update(bytes, now());
      if (now() - lastLog < every && files < opts.totalFiles) return;
      lastLog = now();
      opts.logger.info(figures(), `${opts.label} progress`);
    },
    stop() {},
  };
}

/** 42s, 3m05s, 2h07m: never NaN or Infinity. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 812 B, 3.4 MiB, 1.2 GiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
