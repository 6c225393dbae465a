/**
 * The files of one session in a download pass (files.ts drives the pass). Per file:
 * - the address comes from the stored payload; a session whose files are still processing, have
 *   no address, or whose address expired (401/403/410) or answered 404 is fetched again ONCE per
 *   pass (`GET /Sessions/{id}`) and stored like any re-fetch (raw + facts, one transaction that
 *   yields to a loading window rather than make it wait), so `reprocess` sees the same payload;
 * - still processing after that: left pending, the next pass tries again; 404 after that: `gone`;
 *   401/403/410 after that, retries used up, past MLUVII_FILE_TIMEOUT, a body that cannot be the
 *   file (an HTML page for a recording): `failed` with the reason; an address the token may never
 *   go to and that is not pre-signed: `unavailable`; over MLUVII_MAX_FILE_BYTES: `too_large`;
 *   a full, unwritable or tampered folder stops the pass (FilesDirError).
 * - stored only after the bytes are on disk, fsynced and renamed (files/store.ts).
 */
import type { Knex } from 'knex';
import { RefusedBodyError, storeAtomically } from '../files/store.js';
import { dayInZone, storedRelativePath } from '../files/safe-path.js';
import { isLockTimeout, recordDownload, type DownloadRecord, type PendingFile } from '../load/file-downloads.js';
import type { Logger } from '../log.js';
import { MluviiApiError, type MluviiClient } from '../mluvii/client.js';
import { fileDownloadRefs, type FileDownloadRef } from '../transform/index.js';
import { payloadCampaignId } from '../util/json.js';
import type { CampaignModeCache } from './campaign-mode-cache.js';
import { inLoadUnit } from './load-unit.js';

export interface FileTotals {
  stored: number;
  bytes: number;
  failed: number;
  gone: number;
  /** Never downloadable as mluvii gives them (state `unavailable`). */
  unavailable: number;
  /** Over MLUVII_MAX_FILE_BYTES (state `too_large`). */
  tooLarge: number;
  stillProcessing: number;
  /** Files of sessions another pass was working on: left to it. */
  leftToOtherPass: number;
  sessionsRefetched: number;
  deleted: number;
  partialRemoved: number;
  /** Stored copies found missing or of the wrong size on disk, downloaded again. */
  missingOnDisk: number;
  /** Stored copies moved from an older, non-portable name to a portable one (no download). */
  renamed: number;
  /** One line per failed file, the first MAX_LISTED_FAILURES of `failed`, for the command's message. */
  failures: string[];
}

export const MAX_LISTED_FAILURES = 20;

export interface SessionFilesContext {
  knex: Knex;
  client: MluviiClient;
  logger: Logger;
  runId: number;
  /** The folder's real path (files/folder.ts). */
  root: string;
  reportTz: string;
  timeoutMs: number;
  maxBytes: number;
  minFreeBytes: number;
  campaigns: CampaignModeCache;
  totals: FileTotals;
  /** Called once per file with the bytes stored (0 when none). */
  fileDone: (bytes: number) => void;
}

type Step = { done: true; record?: DownloadRecord; processing?: boolean } | { done: false; why: 'processing' | 'expired' | 'not_found' | 'no_url' };

/** The files of one session (claimed by this pass); re-fetches the session at most once. */
export async function sessionFiles(
  ctx: SessionFilesContext,
  sessionId: number,
  files: PendingFile[],
  stored: { payload: unknown; routingHistory: unknown } | undefined,
): Promise<void> {
  const { totals } = ctx;
  let refs = fileDownloadRefs(stored?.payload);
  let refetched = false;
  let sessionGone = false;

  const refetch = async (): Promise<void> => {
    refetched = true;
    totals.sessionsRefetched += 1;
    const payload = await ctx.client.getSession(sessionId);
    if (payload === undefined) {
      sessionGone = true;
      refs = new Map();
      return;
    }
    // The fresh addresses are used whether or not the payload can be stored now.
    refs = fileDownloadRefs(payload);
    const campaignId = payloadCampaignId(payload);
    if (campaignId !== undefined) await ctx.campaigns.ensure([campaignId], ctx.client, ctx.knex);
    try {
      // The routing history is not part of the file question: the stored one is kept.
      await inLoadUnit({ knex: ctx.knex }, { yieldToWriters: true }, (unit) =>
        unit.load([{ payload, routingHistory: stored?.routingHistory }], { campaignMode: ctx.campaigns.lookup, writeRaw: true, rejectContext: { runId: ctx.runId } }),
      );
    } catch (err) {
      if (!isLockTimeout(err)) throw err;
      // A window of a run is writing the same rows: it goes first; a later pass stores the payload.
      ctx.logger.debug({ sessionId }, 'a loading window holds this session\'s rows: its fresh payload is stored by a later pass');
    }
  };

  for (const file of files) {
    let step: Step;
    for (;;) {
      step = await oneFile(ctx, file, refs.get(file.file_key), sessionGone);
      if (step.done || refetched) break;
      try {
        await refetch();
      } catch (err) {
        if (err instanceof MluviiApiError && err.kind === 'auth') throw err;
        // The session could not be read again now: the file stays pending for the next pass.
        ctx.logger.warn({ sessionId, error: err instanceof Error ? err.message : String(err) }, 'could not re-fetch the session for its files');
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
    if (record) await keep(ctx, file, record);
    ctx.fileDone(record?.state === 'stored' ? record.sizeBytes : 0);
  }
}

async function keep(ctx: SessionFilesContext, file: PendingFile, record: DownloadRecord): Promise<void> {
  const { totals } = ctx;
  await recordDownload(ctx.knex, file.session_id, file.file_key, record);
  switch (record.state) {
    case 'stored':
      totals.stored += 1;
      totals.bytes += record.sizeBytes;
      return;
    case 'gone':
      totals.gone += 1;
      return;
    case 'unavailable':
      totals.unavailable += 1;
      ctx.logger.info({ sessionId: file.session_id, fileKey: file.file_key, reason: record.reason }, 'file can never be downloaded as mluvii gives it');
      return;
    case 'too_large':
      totals.tooLarge += 1;
      ctx.logger.warn({ sessionId: file.session_id, fileKey: file.file_key, sizeBytes: record.sizeBytes }, 'file larger than MLUVII_MAX_FILE_BYTES: not downloaded');
      return;
    case 'failed':
      totals.failed += 1;
      if (totals.failures.length < MAX_LISTED_FAILURES) totals.failures.push(`session ${file.session_id} ${file.file_key}: ${record.reason}`);
      ctx.logger.warn({ sessionId: file.session_id, fileKey: file.file_key, reason: record.reason }, 'file download failed');
  }
}

/** One attempt at one file with the address we have; `done: false` asks for a re-fetch of the session. */
async function oneFile(ctx: SessionFilesContext, file: PendingFile, ref: FileDownloadRef | undefined, sessionGone: boolean): Promise<Step> {
  if (sessionGone) return { done: true, record: { state: 'gone', reason: 'the API no longer knows the session (HTTP 404)' } };
  if (!ref) return { done: true, record: { state: 'gone', reason: 'the session no longer lists this file' } };
  if (ref.state === 'gone') return { done: true, record: { state: 'gone', reason: 'mluvii marks the file deleted' } };
  if (ref.state === 'failed') return { done: true, record: { state: 'failed', reason: 'mluvii failed to process the recordings (FailedToProcess)' } };
  if (ref.state === 'processing') return { done: false, why: 'processing' };
  if (!ref.downloadUrl) return { done: false, why: 'no_url' };

  const name = ref.name ?? file.name;
  const rel = storedRelativePath(dayInZone(file.created_at, ctx.reportTz), file.session_id, file.file_key, name);
  const limits = { kind: file.kind, name, maxBytes: ctx.maxBytes, minFreeBytes: ctx.minFreeBytes };
  let outcome;
  try {
    outcome = await ctx.client.downloadFile(
      ref.downloadUrl,
      ({ body, contentLength, contentType }) => storeAtomically(ctx.root, rel, body, { ...limits, contentLength, contentType }),
      { timeoutMs: ctx.timeoutMs },
    );
  } catch (err) {
    if (!(err instanceof RefusedBodyError)) throw err;
    return {
      done: true,
      record: err.state === 'too_large' ? { state: 'too_large', reason: tooLargeReason(ctx.maxBytes), sizeBytes: err.sizeBytes ?? ctx.maxBytes + 1 } : { state: 'failed', reason: err.message },
    };
  }
  switch (outcome.kind) {
    case 'ok':
      return { done: true, record: { state: 'stored', sizeBytes: outcome.value.sizeBytes, sha256: outcome.value.sha256, storedPath: rel, filesDir: ctx.root } };
    case 'expired':
      return { done: false, why: 'expired' };
    case 'not_found':
      return { done: false, why: 'not_found' };
    case 'refused':
      // Never fetched: our own rules forbid it (the token never leaves the API's origin), so it never will be.
      return { done: true, record: { state: 'unavailable', reason: outcome.reason } };
    case 'failed':
      return { done: true, record: { state: 'failed', reason: outcome.reason } };
  }
}

/** One reason for every file over the limit (its size is in size_bytes), so `status` groups them. */
const tooLargeReason = (maxBytes: number) => `larger than MLUVII_MAX_FILE_BYTES (${maxBytes} bytes): not downloaded; raise the limit, then files --retry-failed`;
