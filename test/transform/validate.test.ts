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
    ['created .NET MinValue', { id: 5, created: '0001-01-01T00:00:00+00:00' }, 5, 'bad_created: created "0001-01-01T00:00:00+00:00" is not an ISO 8601 instant', '{"id":5,"created":"0001-01-01T00:00:00+00:00"}'],
    ['a cyclic object (not serialisable)', cyclic, null, 'bad_id: id "x" is not a whole number from 1 to 2^53−1', '[object Object]'],
    ['a BigInt', 10n, null, 'not_object: payload is not a JSON object', '10'],
  ])('%s → reject', (_name, payload, sessionId, reason, rawText) => {
    expect(run(payload)).toEqual({ kind: 'reject', session_id: sessionId, reason, raw_text: rawText });
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
