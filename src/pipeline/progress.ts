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

  if (interactive) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${opts.label} [{bar}] {value}/{total} windows | {sessions} sessions | {rate} sessions/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(opts.totalWindows, 0, { sessions: 0, rate: '0' });
    return {
      addSessions(n) {
        sessions += n;
        bar.update(windows, { sessions, rate: rate().toFixed(0) });
      },
      windowFinished() {
        windows += 1;
        bar.update(windows, { sessions, rate: rate().toFixed(0) });
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
