/**
 * A session's recordings (`recordings[]`) and shared files (`activities[].file`) as rows of
 * core.session_files, and the download addresses the file downloader needs. Pure, like the rest
 * of the transform: the same payload always gives the same rows, so `reprocess` rebuilds them.
 *
 * - file_key is stable across reads: `recording:<id>` / `file:<activityId>`. The activity id (not
 *   the file id) keys a shared file because one file can be shared twice in a session; a file
 *   without an activity id falls back to `file:f<file id>`.
 * - duration_s is exact (M-0.1): the ISO 8601 duration parsed to microseconds, rounded once.
 * - state from the payload alone: `processing` while the session says its recordings are
 *   Processing (recordingsState) or the item is still uploading; `gone` when mluvii deleted it;
 *   `failed` when mluvii failed to process the recordings; `available` otherwise. The downloader
 *   later adds stored/failed/gone/deleted of its own (core.file_downloads).
 * - A repeated key keeps the first item (flag `duplicate_file_key`): a doubled row would fail the
 *   whole window's insert on the primary key.
 */
import { sanitizeText } from './sanitize-text.js';
import { parseIsoDuration } from './iso-duration.js';
import { boolOrNull, intOrNull, isRecord, strOrNull, type JsonRecord } from './fields.js';
import type { QualityFlags } from './quality-flags.js';
import { instantText, readInstant } from './read-instant.js';
import { durationSeconds } from './seconds.js';
import type { SessionFileRow, SessionFileState } from './types.js';

/** Where and how to fetch one file, as the payload says now (downloadUrl is generated on each read). */
export interface FileDownloadRef {
  file_key: string;
  name: string | null;
  downloadUrl: string | null;
  state: SessionFileState;
}

/** Anything Postgres cannot store in text (NUL, lone surrogates) becomes U+FFFD. */
export function storableText(text: string | null): string | null {
  return text === null ? null : sanitizeText(text);
}

const lower = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

interface Item {
  row: SessionFileRow;
  ref: FileDownloadRef;
}

function recordingItems(sessionId: number, payload: JsonRecord, flags: QualityFlags): Item[] {
  const recordings = payload.recordings;
  if (!Array.isArray(recordings)) return [];
  const sessionState = lower(payload.recordingsState);
  const out: Item[] = [];
  for (const rec of recordings) {
    if (!isRecord(rec)) continue;
    const id = intOrNull(rec.id);
    if (id === null) {
      flags.add('bad_recording_id');
      continue;
    }
    let duration_s: number | null = null;
    if (typeof rec.duration === 'string') {
      const micros = parseIsoDuration(rec.duration);
      if (micros !== micros) flags.add('bad_recording_duration');
      else duration_s = durationSeconds(micros, 'recording_duration', flags);
    } else if (rec.duration !== null && rec.duration !== undefined) {
      flags.add('bad_recording_duration');
    }
    const startedMicros = readInstant(rec.started, 'bad_recording_started', flags);
    let state: SessionFileState = 'available';
    if (boolOrNull(rec.isDeleted) === true) state = 'gone';
    else if (sessionState === 'processing' || boolOrNull(rec.isUploading) === true) state = 'processing';
    else if (sessionState === 'failedtoprocess') state = 'failed';
    const name = storableText(strOrNull(rec.name));
    const file_key = `recording:${id}`;
    out.push({
      row: {
        session_id: sessionId,
        file_key,
        kind: 'recording',
        name,
        user_id: intOrNull(rec.userId),
        started_at: instantText(rec.started, startedMicros),
        duration_s,
        recording_type: storableText(strOrNull(rec.type)),
        source_state: state,
      },
      ref: { file_key, name, downloadUrl: strOrNull(rec.downloadUrl), state },
    });
  }
  return out;
}

function sharedFileItems(sessionId: number, payload: JsonRecord, flags: QualityFlags): Item[] {
  const activities = payload.activities;
  if (!Array.isArray(activities)) return [];
  const out: Item[] = [];
  for (const activity of activities) {
    if (!isRecord(activity) || !isRecord(activity.file)) continue;
    const file = activity.file;
    const activityId = intOrNull(activity.activityId);
    const fileId = intOrNull(file.id);
    if (activityId === null && fileId === null) {
      flags.add('bad_file_id');
      continue;
    }
    const file_key = activityId !== null ? `file:${activityId}` : `file:f${fileId}`;
    const timeMicros = readInstant(activity.time, 'bad_file_time', flags);
    let state: SessionFileState = 'available';
    if (boolOrNull(file.isDeleted) === true) state = 'gone';
    else if (boolOrNull(file.isUploading) === true) state = 'processing';
    const name = storableText(strOrNull(file.name));
    out.push({
      row: {
        session_id: sessionId,
        file_key,
        kind: 'file',
        name,
        user_id: intOrNull(activity.userId) ?? intOrNull(file.operatorOwner),
        started_at: instantText(activity.time, timeMicros),
        duration_s: null,
        recording_type: null,
        source_state: state,
      },
      ref: { file_key, name, downloadUrl: strOrNull(file.downloadUrl), state },
    });
  }
  return out;
}

function items(sessionId: number, payload: JsonRecord, flags: QualityFlags): Item[] {
  const seen = new Set<string>();
  const out: Item[] = [];
  for (const item of [...recordingItems(sessionId, payload, flags), ...sharedFileItems(sessionId, payload, flags)]) {
    if (seen.has(item.row.file_key)) {
      flags.add('duplicate_file_key');
      continue;
    }
    seen.add(item.row.file_key);
    out.push(item);
  }
  return out;
}

/** The rows of core.session_files for one (validated) session payload. */
export function sessionFileRows(sessionId: number, payload: JsonRecord, flags: QualityFlags): SessionFileRow[] {
  return items(sessionId, payload, flags).map((i) => i.row);
}

/** file_key → where to download it, from any payload (flags are discarded: the rows carry them). */
export function fileDownloadRefs(payload: unknown): Map<string, FileDownloadRef> {
  const out = new Map<string, FileDownloadRef>();
  if (!isRecord(payload)) return out;
  const id = intOrNull(payload.id) ?? 0;
  const sink = { add: () => undefined } as unknown as QualityFlags;
  for (const item of items(id, payload, sink)) out.set(item.ref.file_key, item.ref);
  return out;
}
