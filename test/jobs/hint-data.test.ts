/** A session hint's job data as a worker reads it: whatever the queue table holds, field by field. */
import { describe, expect, it } from '@jest/globals';
import { MalformedJobError, readSessionHintData } from '../../src/jobs/job-data.js';
import { hintTiming } from '../../src/serve/webhook-queue.js';

describe('readSessionHintData', () => {
  it('reads a hint as serve writes it', () => {
    const hint = { tenant: 'acme', sessionId: 7400123, eventType: 'SessionEnded', receivedAt: '2026-11-18T15:10:00.000Z' };
    expect(readSessionHintData(hint)).toEqual(hint);
  });

  it('refuses data that names no tenant or no session, saying which', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'the session hint names no tenant'],
      [{ sessionId: 1 }, 'the session hint names no tenant'],
      [{ tenant: '', sessionId: 1 }, 'the session hint names no tenant'],
      [{ tenant: 'acme' }, 'the session hint names no session (sessionId)'],
      [{ tenant: 'acme', sessionId: '7' }, 'the session hint names no session (sessionId)'],
      [{ tenant: 'acme', sessionId: -3 }, 'the session hint names no session (sessionId)'],
      [{ tenant: 'acme', sessionId: 1.5 }, 'the session hint names no session (sessionId)'],
    ];
    for (const [data, message] of cases) {
      expect(() => readSessionHintData(data)).toThrow(MalformedJobError);
      expect(() => readSessionHintData(data)).toThrow(message);
    }
  });

  it('keeps a hint whose event type or arrival is missing or unreadable: the session is what matters', () => {
    expect(readSessionHintData({ tenant: 'acme', sessionId: 5, receivedAt: 'yesterday' })).toEqual({ tenant: 'acme', sessionId: 5, eventType: 'unknown', receivedAt: '' });
  });
});

describe('hintTiming', () => {
  it('lets a session\'s first appearance go first and after the debounce; a follow-up waits six debounces behind it', () => {
    expect(hintTiming('SessionEnded', 30)).toEqual({ startAfter: 30, priority: 1 });
    expect(hintTiming('SessionCreated', 30)).toEqual({ startAfter: 30, priority: 1 });
    expect(hintTiming('SessionOperatorConcluded', 30)).toEqual({ startAfter: 180, priority: 0 });
    expect(hintTiming('SessionRecordingPostProcessingCompleted', 1)).toEqual({ startAfter: 6, priority: 0 });
  });
});
