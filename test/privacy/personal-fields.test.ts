/**
 * The one list of personal fields (src/privacy/personal-fields.ts) against what it must do: remove
 * every planted personal string from simulated sessions of every kind, leave every number the
 * transform computes as it was (so reprocess rebuilds a session without its personal data to the
 * same facts), and be the list docs/privacy.md shows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { guestKey } from '../../src/privacy/guest-key.js';
import { operatorPseudonym, payloadWithPseudonyms, routingWithPseudonyms } from '../../src/privacy/operator-pseudonym.js';
import { PERSONAL_ROUTING_FIELDS, PERSONAL_SESSION_FIELDS, routingWithoutPersonalData, withoutPersonalData } from '../../src/privacy/personal-fields.js';
import { looksAnonymized } from '../../src/privacy/source-anonymized.js';
import { personalMarkerEmail, personalMarkerPhone } from '../../src/simulator/personal-markers.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { transformSession, type TransformResult } from '../../src/transform/index.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

let sim: RunningSimulator;
let ids: number[];

beforeAll(async () => {
  sim = await startSimulator({
    now: clockAt(AFTER_TEST_RANGES),
    seed: 77,
    sessionsPerDay: 300,
    misbehaviour: { personalMarkers: 1, badTextRate: 0.05, implausibleRate: 0.05, strayCreated: { rate: 0.01, values: ['1970-01-01T00:00:00Z'] } },
    files: { sharedFileRate: 0.5, hostileNameRate: 0.2 },
  });
  ids = sim.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-10T22:00:00Z'));
});
afterAll(async () => {
  await sim?.stop();
});

const campaignMode = (id: number) => (id % 2 ? 'Predictive' : 'Preview');

/** The facts without what a removal may change: the names of files. */
function numbers(r: TransformResult): unknown {
  if (r.kind === 'reject') return { reject: r.reason };
  return { ...r.facts, files: r.facts.files.map((f) => ({ ...f, name: null })) };
}

describe('the personal fields of a session', () => {
  it('are every field the simulator plants personal strings in: none is left in any session of a week', () => {
    expect(ids.length).toBeGreaterThan(1500);
    let kinds = new Set<string>();
    for (const id of ids) {
      const d = sim.sessionDetail(id);
      if (!d) continue;
      kinds = kinds.add(String(d.session.channel));
      const before = JSON.stringify([d.session, d.routingHistory]);
      expect(before).toContain(`pii-${id}-`);
      const after = JSON.stringify([withoutPersonalData(d.session), routingWithoutPersonalData(d.routingHistory)]);
      expect({ id, left: after.match(/pii-\d+-\w+/g) ?? [] }).toEqual({ id, left: [] });
      expect(after).not.toContain(personalMarkerPhone(id).replace(/ /g, ''));
    }
    expect([...kinds].sort()).toEqual(['AV', 'Chat', 'Phone']);
  });

  it('hold nothing the durations are computed from: without them every session of a week gives the same facts', () => {
    let compared = 0;
    for (const id of ids) {
      const d = sim.sessionDetail(id);
      if (!d) continue;
      const whole = transformSession({ payload: d.session, routingHistory: d.routingHistory, campaignMode });
      // The flag text_sanitized says what was received; raw.sessions keeps it (text_sanitized), and so does every rebuild.
      const textSanitized = whole.kind === 'facts' && whole.sanitized !== undefined;
      const without = transformSession({ payload: withoutPersonalData(d.session), routingHistory: routingWithoutPersonalData(d.routingHistory), campaignMode }, { textSanitized });
      expect({ id, facts: numbers(without) }).toEqual({ id, facts: numbers(whole) });
      compared += 1;
    }
    expect(compared).toBeGreaterThan(1500);
  });

  it('leave the input alone, and leave a payload that is not an object as it is', () => {
    const payload = { id: 1, guest: { ipAddress: '203.0.113.1' }, activities: [{ text: 'hello', file: { name: 'a.pdf' } }] };
    const copy = JSON.parse(JSON.stringify(payload));
    expect(withoutPersonalData(payload)).toEqual({ id: 1, guest: { ipAddress: null }, activities: [{ text: null, file: { name: null } }] });
    expect(payload).toEqual(copy);
    expect(withoutPersonalData('text')).toBe('text');
    expect(withoutPersonalData(null)).toBe(null);
    expect(routingWithoutPersonalData({ items: [{ phoneNumber: '+420601234567', operator: { userId: 4 } }] })).toEqual({ items: [{ phoneNumber: null, operator: { userId: 4 } }] });
  });

  it('are the list docs/privacy.md shows, with the reason for each', () => {
    const doc = readFileSync('docs/privacy.md', 'utf8');
    const table = doc.slice(doc.indexOf('<!-- personal-fields:start -->'), doc.indexOf('<!-- personal-fields:end -->'));
    const rows = table
      .split('\n')
      .filter((l) => l.startsWith('| `') || l.startsWith('| routing'))
      .map((l) => l.split('|').map((c) => c.trim()));
    const expected = [
      ...PERSONAL_SESSION_FIELDS.map((f) => ['', `\`${f.path}\``, f.kind, f.why, '']),
      ...PERSONAL_ROUTING_FIELDS.map((f) => ['', `routing history \`${f.path}\``, f.kind, f.why, '']),
    ];
    expect(rows).toEqual(expected);
  });
});

describe('an operator pseudonym', () => {
  it("replaces the operator's names in operators, reviewers, forwards and the routing history, and nothing else", () => {
    const payload = {
      operators: [{ userId: 4, userName: 'petr.svoboda', firstName: 'Petr', lastName: 'Svoboda', joined: 'x' }, { userId: 5, userName: 'jana', firstName: 'Jana', lastName: 'N' }],
      reviewers: [{ userId: 4, userName: 'petr.svoboda', firstName: 'Petr', lastName: 'Svoboda' }],
      activities: [{ toOperatorUserId: 4, toOperatorFullName: 'Petr Svoboda' }, { toOperatorUserId: 5, toOperatorFullName: 'Jana N' }],
    };
    const out = JSON.stringify([payloadWithPseudonyms(payload, new Set([4])), routingWithPseudonyms([{ operator: { userId: 4, firstName: 'Petr', lastName: 'Svoboda' } }, { forwardedByOperator: { userId: 5, firstName: 'Jana' } }], new Set([4]))]);
    expect(out).not.toMatch(/Petr|Svoboda|petr/);
    expect(out).toContain(operatorPseudonym(4));
    expect(out).toContain('Jana');
    expect(payloadWithPseudonyms(payload, new Set([9]))).toBe(payload);
  });
});

describe('a guest to forget', () => {
  const matches = (raw: string, text: string) => {
    const key = guestKey(raw);
    if ('problem' in key) throw new Error(key.problem);
    return new RegExp(key.pattern, 'i').test(text);
  };

  it('is found by the whole e-mail address, without case', () => {
    expect(matches('Jan.Novak@Example.cz', '{"oo1_guest_email": "jan.novak@example.cz"}')).toBe(true);
    expect(matches('jan@example.cz', '{"e": "bojan@example.cz"}')).toBe(false);
    expect(matches('jan@example.cz', '{"e": "jan@example.cz.evil"}')).toBe(false);
    expect(matches(personalMarkerEmail(42), `text ${personalMarkerEmail(42)} more`)).toBe(true);
  });

  it('is found by the last nine digits of a phone number, whatever prefix and separators', () => {
    for (const stored of ['+420601234567', '00420 601 234 567', '601-234-567', '(601) 234 567', '+420 601234567']) {
      expect({ stored, found: matches('+420 601 234 567', `"p": "${stored}"`) }).toEqual({ stored, found: true });
    }
    expect(matches('601 234 567', '"p": "+420601234568"')).toBe(false);
    expect(matches('601 234 567', '"id": 97601234567123')).toBe(false);
    expect(matches(personalMarkerPhone(7), `"p": "${personalMarkerPhone(7).replace(/ /g, '')}"`)).toBe(true);
  });

  it('refuses what is neither, without repeating the value', () => {
    for (const bad of ['jan', 'jan@', '12345', '+420 abc', 'a b@c.cz']) {
      const key = guestKey(bad);
      expect('problem' in key).toBe(true);
      if ('problem' in key) expect(key.problem).not.toContain(bad);
    }
  });
});

describe('a payload mluvii says it anonymized', () => {
  it('has no chat text, call parameters or feedback left', () => {
    expect(looksAnonymized({ activities: [{ text: null }], guest: { callParams: {} } })).toBe(true);
    expect(looksAnonymized({ activities: [{ text: 'hi' }] })).toBe(false);
    expect(looksAnonymized({ guest: { callParams: { oo1_guest_email: 'a@b.cz' } } })).toBe(false);
    expect(looksAnonymized({ guestFeedbackText: 'great' })).toBe(false);
    expect(looksAnonymized('x')).toBe(false);
  });
});
