/** core.session_files rows from a payload (transform/session-files.ts): table-driven. */
import { describe, expect, it } from '@jest/globals';
import { fileDownloadRefs, storableText, transformSession } from '../../src/transform/index.js';
import type { SessionFileRow } from '../../src/transform/types.js';

const base = { id: 7, created: '2026-05-04T10:00:00+02:00', status: 'CLOSED', operators: [], activities: [] as unknown[] };

function files(extra: Record<string, unknown>): { files: SessionFileRow[]; flags: string[] } {
  const r = transformSession({ payload: { ...base, ...extra }, routingHistory: [], campaignMode: () => undefined });
  if (r.kind !== 'facts') throw new Error(r.reason);
  return { files: r.facts.files, flags: r.facts.session.quality_flags };
}

const rec = (over: Record<string, unknown> = {}) => ({
  id: 70, name: 'rec_7_0.ogg', started: '2026-05-04T10:01:00.1234567+02:00', duration: 'PT1M2.5S', type: 'Operator', userId: 4,
  downloadUrl: 'https://app.mluvii.com/rec/70', isUploading: false, isDeleted: false, ...over,
});

describe('recordings', () => {
  it.each([
    ['PT0S', '0'],
    ['PT1M2.5S', '62.5'],
    ['PT13M40.715191S', '820.715'],
    ['PT0.0005S', '0.001'], // half away from zero on the exact value
    ['PT0.000499S', '0'],
    ['PT0.0004994S', '0'], // more than 6 digits: first to the microsecond (as for every duration), then to the ms
    ['P1DT2H3M4.1234567S', '93784.123'],
    ['PT2H', '7200'],
  ])('duration %s is %s s, exact (M-0.1)', (iso, seconds) => {
    const [row] = files({ recordings: [rec({ duration: iso })], recordingsState: 'Processed' }).files;
    expect(String(row.duration_s)).toBe(seconds);
  });

  it.each([
    ['garbage', 'bad_recording_duration'],
    ['-PT5S', 'negative_recording_duration'],
    [42, 'bad_recording_duration'],
  ])('duration %j is NULL with the flag %s', (duration, flag) => {
    const r = files({ recordings: [rec({ duration })], recordingsState: 'Processed' });
    expect(r.files[0].duration_s).toBeNull();
    expect(r.flags).toContain(flag);
  });

  it.each([
    ['Processed', {}, 'available'],
    ['Processing', {}, 'processing'],
    ['PROCESSING', {}, 'processing'],
    [null, { isUploading: true }, 'processing'],
    ['FailedToProcess', { downloadUrl: null }, 'failed'],
    ['Processed', { isDeleted: true }, 'gone'],
    ['Processing', { isDeleted: true }, 'gone'],
    [undefined, {}, 'available'],
  ])('recordingsState %j with %j is %s', (recordingsState, over, state) => {
    expect(files({ recordings: [rec(over)], recordingsState }).files[0].source_state).toBe(state);
  });

  it('maps every column; keys are stable; started_at keeps its original text', () => {
    expect(files({ recordings: [rec()], recordingsState: 'Processed' }).files).toEqual([
      {
        session_id: 7, file_key: 'recording:70', kind: 'recording', name: 'rec_7_0.ogg', user_id: 4,
        started_at: '2026-05-04T10:01:00.1234567+02:00', duration_s: 62.5, recording_type: 'Operator', source_state: 'available',
      },
    ]);
  });

  it('skips a recording without a numeric id, keeps the first of a doubled id, and flags both', () => {
    const r = files({ recordings: [rec({ id: 'x' }), rec(), rec({ name: 'again' }), null, 'junk'], recordingsState: 'Processed' });
    expect(r.files.map((f) => [f.file_key, f.name])).toEqual([['recording:70', 'rec_7_0.ogg']]);
    expect(r.flags).toEqual(expect.arrayContaining(['bad_recording_id', 'duplicate_file_key']));
  });

  it('stores names Postgres would refuse with U+FFFD instead (NUL, lone surrogates)', () => {
    const r = files({ recordings: [rec({ name: 'a\u0000b\uD800c.ogg' })], recordingsState: 'Processed' });
    expect(r.files[0].name).toBe('a\uFFFDb\uFFFDc.ogg');
    expect(storableText('ok 😀')).toBe('ok 😀');
  });

  it('recordings: null (no recordings) gives no rows', () => {
    expect(files({ recordings: null }).files).toEqual([]);
  });
});

describe('shared files (activities[].file)', () => {
  const shared = (over: Record<string, unknown> = {}, file: Record<string, unknown> = {}) => ({
    activityId: 705, time: '2026-05-04T10:05:00Z', type: 'SharedFile', client: 'Guest', userId: null,
    file: { id: 99, operatorOwner: 3, name: 'smlouva.pdf', downloadUrl: 'https://app.mluvii.com/f/99', isUploading: false, isDeleted: false, ...file },
    ...over,
  });

  it.each([
    [{}, {}, { file_key: 'file:705', user_id: 3, source_state: 'available' }],
    [{ userId: 5 }, {}, { user_id: 5 }],
    [{}, { isUploading: true }, { source_state: 'processing' }],
    [{}, { isDeleted: true }, { source_state: 'gone' }],
    [{ activityId: null }, {}, { file_key: 'file:f99' }],
    [{ time: 'yesterday' }, {}, { started_at: null }],
  ])('activity %j file %j → %j', (over, file, expected) => {
    const [row] = files({ activities: [{ type: 'ChatMessage', text: 'hi' }, shared(over, file)] }).files;
    expect(row).toMatchObject({ kind: 'file', duration_s: null, recording_type: null, ...expected });
  });

  it('skips a file with neither an activity id nor a file id (flag bad_file_id)', () => {
    const r = files({ activities: [shared({ activityId: null }, { id: null })] });
    expect(r.files).toEqual([]);
    expect(r.flags).toContain('bad_file_id');
  });

  it('fileDownloadRefs gives the address of every row, by key', () => {
    const refs = fileDownloadRefs({ ...base, recordings: [rec()], recordingsState: 'Processed', activities: [shared()] });
    expect([...refs.values()]).toEqual([
      { file_key: 'recording:70', name: 'rec_7_0.ogg', downloadUrl: 'https://app.mluvii.com/rec/70', state: 'available' },
      { file_key: 'file:705', name: 'smlouva.pdf', downloadUrl: 'https://app.mluvii.com/f/99', state: 'available' },
    ]);
    expect(fileDownloadRefs('not a payload').size).toBe(0);
  });
});
