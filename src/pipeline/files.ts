/**
 * Downloading recordings and shared files to MLUVII_FILES_DIR (issue #12), after the windows'
 * transactions committed — a download never holds a window's transaction open.
 *
 * One pass: every file of the selected sessions that is neither stored, gone nor deleted (nor
 * failed, unless asked), oldest first, a few sessions at a time (the client's one limiter paces
 * the requests). Per file:
 * - the address comes from the stored payload; a session whose files are still processing, have
 *   no address, or whose address expired (401/403/410) or answered 404 is fetched again ONCE per
 *   pass (`GET /Sessions/{id}`) and stored like any re-fetch (raw + facts, one transaction), so
 *   `reprocess` sees the same payload;
 * - still processing after that: left pending, the next pass tries again; 404 after that: `gone`;
 *   401/403/410 after that, a foreign host that is not pre-signed, retries used up: `failed` with
 *   the reason; a full or unwritable folder stops the pass (FilesDirError).
 * - stored only after the bytes are on disk, fsynced and renamed (files/store.ts).
 * Then temporary files of killed passes are removed and FILES_RETENTION applied.
 */
import type { Knex } from 'knex';
import PQueue from 'p-queue';
import type { Config } from '../config.js';
import { FilesDirError, PARTIAL_DIR, prepareFilesDir, removeStored, storeAtomically, storedSize, sweepPartialFiles } from '../files/store.js';
import { dayInZone, storedRelativePath } from '../files/safe-path.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { inTransaction } from '../load/transaction.js';
import {
  expiredStoredFiles, forgetStored, markDeleted, pendingFiles, recordDownload, storedFiles, storedPayloads, type DownloadRecord, type FileSelection,
  type PendingFile,
} from '../load/file-downloads.js';
import type { Logger } from '../log.js';
import { MluviiApiError, type MluviiClient } from '../mluvii/client.js';
import { fileDownloadRefs, type FileDownloadRef } from '../transform/index.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { transformAndLoad } from './transform-and-load.js';
import { payloadCampaignId } from '../util/json.js';

export interface FileTotals {
  stored: number;
  bytes: number;
  failed: number;
  gone: number;
  stillProcessing: number;
  sessionsRefetched: number;
  deleted: number;
  partialRemoved: number;
  /** Stored copies found missing or of the wrong size on disk, downloaded again. */
  missingOnDisk: number;
  /** One line per failed file (bounded), for the command's message. */
  failures: string[];
}

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
  now?: Date;
}

const PAGE = 200;
const MAX_LISTED_FAILURES = 20;

export const emptyFileTotals = (): FileTotals => ({
  stored: 0, bytes: 0, failed: 0, gone: 0, stillProcessing: 0, sessionsRefetched: 0, deleted: 0, partialRemoved: 0, missingOnDisk: 0, failures: [],
});

/** One line on what a download pass did (its log message, and what `files` prints). */
export const fileTotalsSummary = (t: FileTotals): string =>
  `files: ${t.stored} stored (${t.bytes} bytes), ${t.stillProcessing} still processing, ${t.failed} failed, ${t.gone} gone, ${t.deleted} deleted by retention` +
  (t.missingOnDisk ? `; ${t.missingOnDisk} stored copies were missing or changed on disk and were downloaded again` : '');

/** The settings a download pass needs, when MLUVII_FILES_DIR is set. */
export function fileJobSettings(config: Config): Pick<FileJobDeps, 'filesDir' | 'reportTz' | 'retentionMs' | 'concurrency'> | undefined {
  if (!config.filesDir) return undefined;
  return { filesDir: config.filesDir, reportTz: config.reportTz, retentionMs: config.filesRetentionMs, concurrency: config.mluviiConcurrency };
}

/**
 * One download pass over `sel`, then the sweep and retention. Throws FilesDirError for a bad folder.
 * With `checkStored`, stored copies of the selection are first checked on disk (present, right
 * size); one that is not is downloaded again (its sha256 is recomputed by that download).
 */
export async function downloadFiles(deps: FileJobDeps, sel: FileSelection, opts: { checkStored?: boolean } = {}): Promise<FileTotals> {
  const totals = emptyFileTotals();
  await prepareFilesDir(deps.filesDir);
  if (opts.checkStored) totals.missingOnDisk = await forgetMissingCopies(deps, sel);
  const now = deps.now ?? new Date();
  const notBefore = deps.retentionMs === undefined ? undefined : new Date(now.getTime() - deps.retentionMs);
  const campaigns = await CampaignModeCache.fromDatabase(deps.knex);
  let after: { created_key: string; session_id: number; file_key: string } | undefined;
  let fatal: unknown;
  try {
    for (;;) {
      const page = await pendingFiles(deps.knex, { ...sel, notBefore }, PAGE, after);
      if (page.length === 0) break;
      const last = page[page.length - 1];
      after = { created_key: last.created_key, session_id: last.session_id, file_key: last.file_key };
      const bySession = new Map<number, PendingFile[]>();
      for (const f of page) {
        const list = bySession.get(f.session_id);
        if (list) list.push(f);
        else bySession.set(f.session_id, [f]);
      }
      const payloads = await storedPayloads(deps.knex, [...bySession.keys()]);
      const queue = new PQueue({ concurrency: deps.concurrency });
      for (const [sessionId, files] of bySession) {
        queue
          .add(() => sessionFiles(deps, campaigns, sessionId, files, payloads.get(sessionId), totals))
          .catch((err: unknown) => {
            fatal ??= err;
            queue.clear();
          });
      }
      await queue.onIdle();
      if (fatal) throw fatal;
    }
  } finally {
    // Whatever happened, no temporary file survives the pass.
    totals.partialRemoved = await sweepPartialFiles(deps.filesDir);
  }
  if (notBefore) totals.deleted = await applyRetention(deps, notBefore);
  deps.logger.info({ ...totals, failures: totals.failures.length }, fileTotalsSummary(totals));
  return totals;
}

async function forgetMissingCopies(deps: FileJobDeps, sel: FileSelection): Promise<number> {
  let missing = 0;
  let after: { session_id: number; file_key: string } | undefined;
  for (;;) {
    const batch = await storedFiles(deps.knex, sel, PAGE, after);
    if (batch.length === 0) return missing;
    after = batch[batch.length - 1];
    for (const f of batch) {
      if ((await storedSize(deps.filesDir, f.stored_path)) === f.size_bytes) continue;
      deps.logger.warn({ sessionId: f.session_id, fileKey: f.file_key, storedPath: f.stored_path }, 'a stored file is missing or changed on disk: downloading it again');
      await forgetStored(deps.knex, f.session_id, f.file_key);
      missing += 1;
    }
  }
}

/** FILES_RETENTION: deletes the stored copies of sessions created before `before`; the rows stay, as `deleted`. */
export async function applyRetention(deps: Pick<FileJobDeps, 'knex' | 'filesDir' | 'logger'>, before: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await expiredStoredFiles(deps.knex, before, PAGE);
    if (batch.length === 0) break;
    for (const f of batch) {
      await removeStored(deps.filesDir, f.stored_path);
      await markDeleted(deps.knex, f.session_id, f.file_key);
      deleted += 1;
    }
  }
  if (deleted) deps.logger.info({ deleted, before: before.toISOString() }, 'files past FILES_RETENTION deleted');
  return deleted;
}

type Step = { done: true; record?: DownloadRecord; processing?: boolean } | { done: false; why: 'processing' | 'expired' | 'not_found' | 'no_url' };

/** The files of one session; re-fetches the session at most once. */
async function sessionFiles(
  deps: FileJobDeps,
  campaigns: CampaignModeCache,
  sessionId: number,
  files: PendingFile[],
  stored: { payload: unknown; routingHistory: unknown } | undefined,
  totals: FileTotals,
): Promise<void> {
  let refs = fileDownloadRefs(stored?.payload);
  let refetched = false;
  let sessionGone = false;

  const refetch = async (): Promise<void> => {
    refetched = true;
    totals.sessionsRefetched += 1;
    const payload = await deps.client.getSession(sessionId);
    if (payload === undefined) {
      sessionGone = true;
      refs = new Map();
      return;
    }
    const campaignId = payloadCampaignId(payload);
    if (campaignId !== undefined) await campaigns.ensure([campaignId], deps.client, deps.knex);
    await inTransaction(deps.knex, async (trx) => {
      // The routing history is not part of the file question: the stored one is kept.
      const r = await transformAndLoad(trx, [{ payload, routingHistory: stored?.routingHistory }], {
        campaignMode: campaigns.lookup,
        writeRaw: true,
        rejectContext: { runId: deps.runId },
      });
      if (r.changedRange) await refreshReportingSummaries(trx, r.changedRange);
    });
    refs = fileDownloadRefs(payload);
  };

  for (const file of files) {
    let step: Step;
    for (;;) {
      step = await oneFile(deps, file, refs.get(file.file_key), sessionGone);
      if (step.done || refetched) break;
      try {
        await refetch();
      } catch (err) {
        if (err instanceof MluviiApiError && err.kind === 'auth') throw err;
        // The session could not be read again now: the file stays pending for the next pass.
        deps.logger.warn({ sessionId, error: err instanceof Error ? err.message : String(err) }, 'could not re-fetch the session for its files');
        step = { done: true };
        break;
      }
    }
    let record: DownloadRecord | undefined;
    if (step.done) record = step.record;
    else if (step.why === 'processing') totals.stillProcessing += 1;
    else if (step.why === 'not_found') record = { state: 'gone', reason: 'HTTP 404 even with a fresh downloadUrl: mluvii no longer has the file' };
    else if (step.why === 'expired') record = { state: 'failed', reason: 'the downloadUrl was refused (HTTP 401/403/410) even after the session was fetched again' };
    else record = { state: 'failed', reason: 'the session gives no downloadUrl for this file' };
    if (step.done && step.processing) totals.stillProcessing += 1;
    if (!record) continue;
    await recordDownload(deps.knex, sessionId, file.file_key, record);
    if (record.state === 'stored') {
      totals.stored += 1;
      totals.bytes += record.sizeBytes;
    } else if (record.state === 'gone') {
      totals.gone += 1;
    } else {
      totals.failed += 1;
      if (totals.failures.length < MAX_LISTED_FAILURES) totals.failures.push(`session ${sessionId} ${file.file_key}: ${record.reason}`);
      deps.logger.warn({ sessionId, fileKey: file.file_key, reason: record.reason }, 'file download failed');
    }
  }
}

/** One attempt at one file with the address we have; `done: false` asks for a re-fetch of the session. */
async function oneFile(deps: FileJobDeps, file: PendingFile, ref: FileDownloadRef | undefined, sessionGone: boolean): Promise<Step> {
  if (sessionGone) return { done: true, record: { state: 'gone', reason: 'the API no longer knows the session (HTTP 404)' } };
  if (!ref) return { done: true, record: { state: 'gone', reason: 'the session no longer lists this file' } };
  if (ref.state === 'gone') return { done: true, record: { state: 'gone', reason: 'mluvii marks the file deleted' } };
  if (ref.state === 'failed') return { done: true, record: { state: 'failed', reason: 'mluvii failed to process the recordings (FailedToProcess)' } };
  if (ref.state === 'processing') return { done: false, why: 'processing' };
  if (!ref.downloadUrl) return { done: false, why: 'no_url' };

  const rel = storedRelativePath(dayInZone(file.created_at, deps.reportTz), file.session_id, file.file_key, ref.name ?? file.name);
  const partialName = `${file.session_id}-${file.file_key.replace(/[^A-Za-z0-9_-]/g, '_')}.part`;
  const outcome = await deps.client.downloadFile(ref.downloadUrl, ({ body, contentLength }) => storeAtomically(deps.filesDir, rel, partialName, body, contentLength));
  switch (outcome.kind) {
    case 'ok':
      return { done: true, record: { state: 'stored', sizeBytes: outcome.value.sizeBytes, sha256: outcome.value.sha256, storedPath: rel } };
    case 'expired':
      return { done: false, why: 'expired' };
    case 'not_found':
      return { done: false, why: 'not_found' };
    case 'refused':
    case 'failed':
      return { done: true, record: { state: 'failed', reason: outcome.reason } };
  }
}

export { FilesDirError, PARTIAL_DIR };
