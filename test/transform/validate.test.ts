/**
 * README "Where the data lands": a payload that cannot be understood becomes a Reject with a reason
 * and its raw text; the transform never throws.
 */
import { describe, expect, it } from '@jest/globals';
import { transformSession } from '../../src/transform/index.js';
import { noCampaigns, plainRouting, plainSession } from './fixtures/build.js';

const run = (payload: unknown) => transformSession({ payload, routingHistory: plainRouting(), campaignMode: noCampaigns });

describe('validation: rejects instead of exceptions', () => {
  const cyclic: Record<string, unknown> = { id: 'x' };
  cyclic.self = cyclic;

  it.each([
    ['null', null, null, 'not_object: payload is not a JSON object', 'null'],
    ['undefined', undefined, null, 'not_object: payload is not a JSON object', 'undefined'],
    ['a string', 'Service Unavailable', null, 'not_object: payload is not a JSON object', '"Service Unavailable"'],
    ['a number', 42, null, 'not_object: payload is not a JSON object', '42'],
    ['an array', [{ id: 1 }], null, 'not_object: payload is not a JSON object', '[{"id":1}]'],
    ['no id', { created: '2024-05-02T08:00:00+02:00' }, null, 'missing_id: payload has no numeric id', '{"created":"2024-05-02T08:00:00+02:00"}'],
    ['a string id', { id: '7400123', created: '2024-05-02T08:00:00+02:00' }, null, 'bad_id: id "7400123" is not a whole number from 1 to 2^53−1', '{"id":"7400123","created":"2024-05-02T08:00:00+02:00"}'],
    ['a fractional id', { id: 1.5 }, null, 'bad_id: id 1.5 is not a whole number from 1 to 2^53−1', '{"id":1.5}'],
    ['an unsafe id', { id: 2 ** 60 }, null, 'bad_id: id 1152921504606847000 is not a whole number from 1 to 2^53−1', '{"id":1152921504606847000}'],
    ['a negative id (implausible)', { id: -7 }, null, 'bad_id: id -7 is not a whole number from 1 to 2^53−1', '{"id":-7}'],
    ['no created', { id: 5 }, 5, 'bad_created: created is missing', '{"id":5}'],
    ['created null', { id: 5, created: null }, 5, 'bad_created: created is missing', '{"id":5,"created":null}'],
    ['created unparseable', { id: 5, created: 'xyz' }, 5, 'bad_created: created "xyz" is not an ISO 8601 instant', '{"id":5,"created":"xyz"}'],
    ['created without offset', { id: 5, created: '2024-05-02T08:00:00' }, 5, 'bad_created: created "2024-05-02T08:00:00" is not an ISO 8601 instant', '{"id":5,"created":"2024-05-02T08:00:00"}'],
    ['created a number', { id: 5, created: 1714629538 }, 5, 'bad_created: created 1714629538 is not an ISO 8601 instant', '{"id":5,"created":1714629538}'],
    ['created .NET MinValue', { id: 5, created: '0001-01-01T00:00:00+00:00' }, 5, 'bad_created: created "0001-01-01T00:00:00+00:00" is out of range: year 1 is not within 1700–2250, the years an instant is read for', '{"id":5,"created":"0001-01-01T00:00:00+00:00"}'],
    ['created in year 9999', { id: 5, created: '9999-12-31T23:59:59.9999999+00:00' }, 5, 'bad_created: created "9999-12-31T23:59:59.9999999+00:00" is out of range: year 9999 is not within 1700–2250, the years an instant is read for', '{"id":5,"created":"9999-12-31T23:59:59.9999999+00:00"}'],
    ['created at JS Date\'s maximum', { id: 5, created: '+275760-09-13T00:00:00.000Z' }, 5, 'bad_created: created "+275760-09-13T00:00:00.000Z" is out of range: year 275760 is not within 1700–2250, the years an instant is read for', '{"id":5,"created":"+275760-09-13T00:00:00.000Z"}'],
    ['a cyclic object (not serialisable: endlessly deep)', cyclic, null, 'too_deep: the payload nests arrays and objects more than 256 levels deep', `${'{"id":"x","self":'.repeat(61)}{"id":"x","self"`.slice(0, 1024)],
    ['a BigInt', 10n, null, 'not_object: payload is not a JSON object', '10'],
  ])('%s → reject', (_name, payload, sessionId, reason, rawText) => {
    expect(run(payload)).toEqual({ kind: 'reject', session_id: sessionId, reason, raw_text: rawText });
  });

  it('nesting deeper than 256 levels is set aside before anything walks it, whatever it holds (a NUL at depth 300, 5000 levels)', () => {
    const nested = (depth: number, bottom: unknown = '\u0000') => {
      let v: unknown = bottom;
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    };
    for (const depth of [300, 5000, 1_000_000]) {
      const payload = plainSession({ guest: { callParams: { nested: nested(depth) } } } as never);
      const result = run(payload);
      expect(result).toMatchObject({ kind: 'reject', session_id: 1001, reason: 'too_deep: the payload nests arrays and objects more than 256 levels deep' });
      const raw = (result as { raw_text: string }).raw_text;
      expect(raw.length).toBe(1024); // its first KB, written without recursion
      expect(raw.startsWith('{"id":1001,')).toBe(true);
      const routed = transformSession({ payload: plainSession(), routingHistory: [...plainRouting(), { nested: nested(depth) }], campaignMode: noCampaigns });
      expect(routed).toMatchObject({ kind: 'reject', session_id: 1001, reason: 'too_deep: its routing history nests arrays and objects more than 256 levels deep' });
    }
    // Up to the bound it loads, its NUL replaced (the payload is 256 levels deep: the session, guest, callParams and 253 arrays).
    const deepest = run(plainSession({ guest: { callParams: { nested: nested(253) } } } as never));
    expect(deepest.kind === 'facts' && deepest.facts.session.quality_flags).toEqual(['text_sanitized']);
    expect(run(plainSession({ guest: { callParams: { nested: nested(254) } } } as never))).toMatchObject({ reason: expect.stringMatching(/^too_deep/) });
  });

  it('a session created outside the window it was listed for is set aside, not loaded (only when listed by window)', () => {
    const listedFor = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-02T00:00:00Z') };
    const at = (created: string) => transformSession({ payload: plainSession({ created }), routingHistory: [], campaignMode: noCampaigns }, { listedFor });
    expect(at('1970-01-01T00:00:00+00:00')).toEqual({
      kind: 'reject',
      session_id: 1001,
      reason: 'outside_window: created "1970-01-01T00:00:00+00:00" is outside the window it was listed for, 2026-06-01T00:00:00.000Z – 2026-06-02T00:00:00.000Z',
      raw_text: expect.stringContaining('"created":"1970-01-01T00:00:00+00:00"'),
    });
    expect(at('2026-06-02T02:00:00+02:00').kind).toBe('reject'); // the window's end itself belongs to the next window
    expect(at('2026-06-01T02:00:00+02:00').kind).toBe('facts'); // its start, in another offset
    expect(at('2026-06-01T23:59:59.999999Z').kind).toBe('facts');
    expect(transformSession({ payload: plainSession({ created: '1970-01-01T00:00:00+00:00' }), routingHistory: [], campaignMode: noCampaigns }).kind).toBe('facts');
  });

  it('a long bad created is quoted shortened in the reason', () => {
    const result = run({ id: 5, created: 'x'.repeat(500) });
    expect(result.kind === 'reject' && result.reason).toBe(`bad_created: created "${'x'.repeat(79)}… is not an ISO 8601 instant`);
  });

  it('everything else that is wrong is a quality flag, not a reject', () => {
    const result = run(plainSession({ status: 42 as never, guestJoined: 'never', operators: 'none' as never, activities: 'n/a' as never, length: 'long' }));
    expect(result.kind).toBe('facts');
    expect(result.kind === 'facts' && result.facts.session.quality_flags).toEqual(['bad_guest_joined', 'bad_length', 'bad_operators']);
    expect(result.kind === 'facts' && result.facts.session.status).toBeNull();
  });

  it('a lookup that throws costs one session (transform_error reject), not the batch', () => {
    const result = transformSession(
      { payload: plainSession({ campaignId: 3 }), routingHistory: [], campaignMode: () => { throw new Error('cache exploded'); } },
    );
    expect(result).toMatchObject({ kind: 'reject', session_id: 1001, reason: 'transform_error: cache exploded' });
  });
});
