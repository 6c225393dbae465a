import cliProgress from 'cli-progress';
import type { Logger } from '../log.js';

/**
 * Progress of a long command: a bar on a terminal (windows, sessions, sessions/s, ETA), and
 * periodic structured log lines otherwise (cron, CI, Kubernetes), never both.
 */
export interface Progress {
  addSessions(n: number): void;
  windowFinished(): void;
  stop(): void;
}

export function createProgress(opts: { totalWindows: number; logger: Logger; label: string; interactive?: boolean }): Progress {
  const interactive = opts.interactive ?? Boolean(process.stderr.isTTY);
  const started = Date.now();
  let sessions = 0;
  let windows = 0;
  const rate = () => sessions / Math.max((Date.now() - started) / 1000, 0.001);
  // Our own ETA from whole windows: cli-progress's own reads "NULLs"/"INFs" until the rate is known.
  const etaText = () => {
    if (windows === 0 || windows >= opts.totalWindows) return windows >= opts.totalWindows ? '0s' : '…';
    return formatSeconds(((Date.now() - started) / 1000 / windows) * (opts.totalWindows - windows));
  };

  if (interactive) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${opts.label} [{bar}] {value}/{total} windows | {sessions} sessions | {rate} sessions/s | ETA {eta_text}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 20,
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
        bar.update(windows, { sessions, rate: rate().toFixed(0), eta_text: etaText() });
      },
      stop: () => bar.stop(),
    };
  }

  let lastLog = Date.now();
  const log = () => {
    const elapsed = (Date.now() - started) / 1000;
    const etaS = windows > 0 ? Math.round((elapsed / windows) * (opts.totalWindows - windows)) : undefined;
    opts.logger.info({ windowsDone: windows, windowsTotal: opts.totalWindows, sessions, sessionsPerSecond: Number(rate().toFixed(1)), etaSeconds: etaS }, `${opts.label} progress`);
    lastLog = Date.now();
  };
  return {
    addSessions(n) {
      sessions += n;
      if (Date.now() - lastLog > 10_000) log();
    },
    windowFinished() {
      windows += 1;
      log();
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
