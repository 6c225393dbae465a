/**
 * Downloading recordings and shared files to MLUVII_FILES_DIR (issue #12), after the windows'
 * transactions committed — a download never holds a window's transaction open, nor the
 * one-writer lock: passes keep out of each other's way by claiming sessions (load/files-pass.ts).
 *
 * One pass:
 * 1. the folder is prepared (files/folder.ts): created, proved writable, refused when its layout
 *    holds symbolic links or its disk is nearly full (MLUVII_FILES_MIN_FREE);
 * 2. the copies already held are checked (files-layout.ts): where they live (the setting may
 *    have changed), portable names, and with `checkStored` that each is still there;
 * 3. every file of the selected sessions that is neither stored, gone, unavailable, too large nor
 *    deleted (nor failed, unless asked), oldest first, a few sessions at a time (the client's one
 *    limiter paces the requests), each session claimed first (file-session.ts does the files);
 * 4. temporary files of killed passes are removed (when no other pass runs), FILES_RETENTION applied.
 */
import type { Knex } from 'knex';
import PQueue from 'p-queue';
import type { Config } from '../config.js';
import { FilesDirError, PARTIAL_DIR, prepareFilesDir, removeStored, sweepPartialFiles } from '../files/store.js';
import { countPendingFiles, expiredStoredFiles, markDeleted, pendingFiles, stillPending, storedPayloads, type FileSelection, type PendingFile } from '../load/file-downloads.js';
import type { FilesPassLock } from '../load/files-pass.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { MAX_LISTED_FAILURES, sessionFiles, type FileTotals, type SessionFilesContext } from './file-session.js';
import { copyRoot, forgetMissingCopies, noteFolderChange, renameOldNames } from './files-layout.js';
import { createFileProgress } from './progress.js';

export type { FileTotals } from './file-session.js';
export { MAX_LISTED_FAILURES };

export interface FileJobDeps {
  knex: Knex;
  client: MluviiClient;
  logger: Logger;
  runId: number;
  filesDir: string;
  reportTz: string;
  retentionMs: number | undefined;
  /** Sessions handled at once (the limiter bounds the requests anyway). */
  concurrency: number;
  /** MLUVII_FILE_TIMEOUT, MLUVII_MAX_FILE_BYTES, MLUVII_FILES_MIN_FREE. */
  timeoutMs: number;
  maxBytes: number;
  minFreeBytes: number;
  /** This pass's lock and claims (load/files-pass.ts). */
  pass: FilesPassLock;
  now?: Date;
  /** A bar on a terminal, log lines otherwise; default: whether stderr is a terminal. */
  interactive?: boolean;
}

const PAGE = 200;

export const emptyFileTotals = (): FileTotals => ({
  stored: 0, bytes: 0, failed: 0, gone: 0, unavailable: 0, tooLarge: 0, stillProcessing: 0, leftToOtherPass: 0, sessionsRefetched: 0, deleted: 0,
  partialRemoved: 0, missingOnDisk: 0, renamed: 0, failures: [],
});

/** One line on what a download pass did (its log message, and what `files` prints). */
export const fileTotalsSummary = (t: FileTotals): string =>
  `files: ${t.stored} stored (${t.bytes} bytes), ${t.stillProcessing} still processing, ${t.failed} failed, ${t.gone} gone, ` +
  `${t.unavailable} unavailable, ${t.tooLarge} too large, ${t.deleted} deleted by retention` +
  (t.leftToOtherPass ? `; ${t.leftToOtherPass} left to another pass running now` : '') +
  (t.renamed ? `; ${t.renamed} stored files renamed to portable names` : '') +
  (t.missingOnDisk ? `; ${t.missingOnDisk} stored copies were missing or changed on disk and were downloaded again` : '');

/** The settings a download pass needs, when MLUVII_FILES_DIR is set. */
export function fileJobSettings(
  config: Config,
): Pick<FileJobDeps, 'filesDir' | 'reportTz' | 'retentionMs' | 'concurrency' | 'timeoutMs' | 'maxBytes' | 'minFreeBytes'> | undefined {
  if (!config.filesDir) return undefined;
  return {
    filesDir: config.filesDir, reportTz: config.reportTz, retentionMs: config.filesRetentionMs, concurrency: config.mluviiConcurrency,
    timeoutMs: config.fileTimeoutMs, maxBytes: config.maxFileBytes, minFreeBytes: config.filesMinFreeBytes,
  };
}

/**
 * One download pass over `sel`, then the sweep and retention. Throws FilesDirError for a bad folder.
 * With `checkStored`, stored copies of the selection are first checked on disk (present, right
 * size); one that is not is downloaded again (its sha256 is recomputed by that download).
 */
export async function downloadFiles(deps: FileJobDeps, sel: FileSelection, opts: { checkStored?: boolean } = {}): Promise<FileTotals> {
  const totals = emptyFileTotals();
  const root = await prepareFilesDir(deps.filesDir, deps.minFreeBytes);
  const layout = { knex: deps.knex, logger: deps.logger, root };
  await noteFolderChange(layout);
  totals.renamed = await renameOldNames(layout);
  if (opts.checkStored) totals.missingOnDisk = await forgetMissingCopies(layout, sel);
  const now = deps.now ?? new Date();
  const notBefore = deps.retentionMs === undefined ? undefined : new Date(now.getTime() - deps.retentionMs);
  const selection: FileSelection = { ...sel, notBefore, maxBytes: deps.maxBytes };
  const progress = createFileProgress({ totalFiles: await countPendingFiles(deps.knex, selection), logger: deps.logger, label: 'files', interactive: deps.interactive });
  const ctx: SessionFilesContext = {
    knex: deps.knex, client: deps.client, logger: deps.logger, runId: deps.runId, root, reportTz: deps.reportTz,
    timeoutMs: deps.timeoutMs, maxBytes: deps.maxBytes, minFreeBytes: deps.minFreeBytes,
    campaigns: await CampaignModeCache.fromDatabase(deps.knex), totals, fileDone: (bytes) => progress.fileDone(bytes),
  };
  let after: { created_key: string; session_id: number; file_key: string } | undefined;
  let fatal: unknown;
  try {
    for (;;) {
      const page = await pendingFiles(deps.knex, selection, PAGE, after);
      if (page.length === 0) break;
      const last = page[page.length - 1];
      after = { created_key: last.created_key, session_id: last.session_id, file_key: last.file_key };
      const bySession = new Map<number, PendingFile[]>();
      for (const f of page) bySession.set(f.session_id, [...(bySession.get(f.session_id) ?? []), f]);
      const payloads = await storedPayloads(deps.knex, [...bySession.keys()]);
      const queue = new PQueue({ concurrency: deps.concurrency });
      for (const [sessionId, files] of bySession) {
        queue
          .add(() => claimed(deps, ctx, sessionId, files, selection, payloads.get(sessionId)))
          .catch((err: unknown) => {
            fatal ??= err;
            queue.clear();
          });
      }
      await queue.onIdle();
      if (fatal) throw fatal;
    }
  } finally {
    progress.stop();
    // No temporary file survives the pass, unless another pass (still writing its own) runs.
    totals.partialRemoved = (await deps.pass.whenAlone(() => sweepPartialFiles(root)).catch(() => undefined)) ?? 0;
  }
  if (notBefore) totals.deleted = await applyRetention({ ...deps, root }, notBefore);
  deps.logger.info({ ...totals, failures: totals.failures.length }, fileTotalsSummary(totals));
  return totals;
}

/** A session's files, once this pass holds its claim; another pass's session is left to it. */
async function claimed(
  deps: FileJobDeps,
  ctx: SessionFilesContext,
  sessionId: number,
  files: PendingFile[],
  sel: FileSelection,
  stored: { payload: unknown; routingHistory: unknown } | undefined,
): Promise<void> {
  const lost = deps.pass.lostReason();
  if (lost) throw lost;
  if (!(await deps.pass.claim(sessionId))) {
    ctx.totals.leftToOtherPass += files.length;
    files.forEach(() => ctx.fileDone(0));
    return;
  }
  try {
    // Read again under the claim: a pass that held it a moment ago may have stored some.
    const still = await stillPending(deps.knex, sessionId, files.map((f) => f.file_key), sel);
    for (const f of files) if (!still.has(f.file_key)) ctx.fileDone(0);
    const todo = files.filter((f) => still.has(f.file_key));
    if (todo.length) await sessionFiles(ctx, sessionId, todo, stored);
  } finally {
    await deps.pass.release(sessionId);
  }
}

/** FILES_RETENTION: deletes the stored copies of sessions created before `before`; the rows stay, as `deleted`. */
export async function applyRetention(deps: Pick<FileJobDeps, 'knex' | 'logger'> & { root: string }, before: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await expiredStoredFiles(deps.knex, before, PAGE);
    if (batch.length === 0) break;
    for (const f of batch) {
      await removeStored(copyRoot(deps.root, f), f.stored_path);
      await markDeleted(deps.knex, f.session_id, f.file_key);
      deleted += 1;
    }
  }
  if (deleted) deps.logger.info({ deleted, before: before.toISOString() }, 'files past FILES_RETENTION deleted');
  return deleted;
}

export { FilesDirError, PARTIAL_DIR };
