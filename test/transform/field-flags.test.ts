import { describe, expect, it } from '@jest/globals';
import { generateSessions } from '../../src/simulator/generator.js';
import {
  jsonTextMayNeedSanitizing, needsSanitizing, routingUnavailable, sanitizeJson, sanitizeText, transformSession,
} from '../../src/transform/index.js';

const lookup = () => 'Predictive';

describe('text Postgres cannot store (text_sanitized)', () => {
  it.each([
    ['plain', 'Dobrý den', false, 'Dobrý den'],
    ['NUL', 'a\u0000b', true, 'a\ufffdb'],
    ['lone high surrogate at the end', 'Díky \ud83d', true, 'Díky \ufffd'],
    ['lone low surrogate', '\udc00x', true, '\ufffdx'],
    ['a well-formed pair (emoji) is kept', 'ok \ud83d\ude00', false, 'ok \ud83d\ude00'],
    ['pair then lone high', '\ud83d\ude00\ud83d', true, '\ud83d\ude00\ufffd'],
    ['two highs then a low', '\ud83d\ud83d\ude00', true, '\ufffd\ud83d\ude00'],
    ['U+FFFD itself is fine', '\ufffd', false, '\ufffd'],
  ])('%s', (_name, text, needs, clean) => {
    expect(needsSanitizing(text)).toBe(needs);
    expect(sanitizeText(text)).toBe(clean);
  });

  it('sanitizeJson replaces in nested strings and keys, and returns the same value when nothing needs it', () => {
    const clean = { a: [1, 'x', { b: null }], c: true };
    expect(sanitizeJson(clean)).toEqual({ value: clean, changed: false });
    expect(sanitizeJson(clean).value).toBe(clean);
    const dirty = { a: [1, 'x\u0000', { b: 'y' }], 'k\ud800': 2 };
    const out = sanitizeJson(dirty);
    expect(out).toEqual({ value: { a: [1, 'x\ufffd', { b: 'y' }], 'k\ufffd': 2 }, changed: true });
    expect(dirty.a[1]).toBe('x\u0000'); // the input is not modified
  });

  it.each([
    ['{"a":"x"}', false],
    ['{"a":"x\\u0000"}', true],
    ['{"a":"\\ud83d"}', true],
    ['{"a":"\\uDC00"}', true],
    ['{"a":"\\u00e9"}', false],
    ['{"a":"😀"}', false],
  ])('jsonTextMayNeedSanitizing(%s) = %s', (text, expected) => {
    expect(jsonTextMayNeedSanitizing(text)).toBe(expected);
    // Never a false negative: whenever the parsed value needs sanitizing, the text says so.
    if (sanitizeJson(JSON.parse(text)).changed) expect(jsonTextMayNeedSanitizing(text)).toBe(true);
  });
});

describe('the transform flags field surprises', () => {
  const [sample] = generateSessions({ seed: 3, from: new Date('2026-06-02T08:00:00Z'), to: new Date('2026-06-02T12:00:00Z') }).filter(
    (s) => s.session.ended && s.routingHistory.length > 2 && (s.session.operators ?? []).length > 0,
  );
  const run = (payload: unknown, routingHistory: unknown = sample.routingHistory, opts = {}) => {
    const r = transformSession({ payload, routingHistory, campaignMode: lookup }, opts);
    if (r.kind !== 'facts') throw new Error(r.reason);
    return r;
  };
  const base = run(sample.session);

  it('text_sanitized: flag, sanitized copy for raw, same durations; skipped when the caller checked the text', () => {
    const dirty = { ...sample.session, widget: 'Web\u0000' };
    const r = run(dirty);
    expect(r.facts.session.quality_flags).toContain('text_sanitized');
    expect(r.facts.session.widget).toBe('Web\ufffd');
    expect((r.sanitized?.payload as { widget: string }).widget).toBe('Web\ufffd');
    expect({ ...r.facts.session, widget: null, quality_flags: [] }).toEqual({ ...base.facts.session, widget: null, quality_flags: [] });
    expect(run(sample.session, sample.routingHistory, { textChecked: true }).sanitized).toBeUndefined();
    expect(run(sample.session, sample.routingHistory, { textSanitized: true }).facts.session.quality_flags).toContain('text_sanitized');
  });

  it('routing_unavailable: the stored marker of a routing-history 404', () => {
    const r = run(sample.session, routingUnavailable('HTTP 404'));
    expect(r.facts.session.quality_flags).toContain('routing_unavailable');
    expect(r.facts.routingEvents).toEqual([]);
    expect(base.facts.session.quality_flags).not.toContain('routing_unavailable');
    expect(run(sample.session, []).facts.session.quality_flags).not.toContain('routing_unavailable');
  });

  it.each([
    ['departmentId', 62.5, 'implausible_department_id', 'department_id'],
    ['departmentId', -62, 'implausible_department_id', 'department_id'],
    ['departmentId', 2 ** 64, 'implausible_department_id', 'department_id'],
    ['departmentId', '62', 'implausible_department_id', 'department_id'],
    ['companyId', 0, 'implausible_company_id', 'company_id'],
    ['campaignId', 501.5, 'implausible_campaign_id', 'campaign_id'],
  ] as const)('%s = %s → NULL and %s', (field, value, flag, column) => {
    const r = run({ ...sample.session, [field]: value });
    expect(r.facts.session[column]).toBeNull();
    expect(r.facts.session.quality_flags).toContain(flag);
  });

  it('an absent id is no surprise: NULL without a flag', () => {
    const r = run({ ...sample.session, departmentId: null });
    expect(r.facts.session.department_id).toBeNull();
    expect(r.facts.session.quality_flags.filter((f) => f.startsWith('implausible'))).toEqual([]);
  });

  it('implausible operator and group ids', () => {
    const operators = (sample.session.operators ?? []).map((o, i) => (i === 0 ? { ...o, userId: 'u4' } : o));
    expect(run({ ...sample.session, operators }).facts.session.quality_flags).toEqual(expect.arrayContaining(['implausible_operator_id', 'operator_without_user_id']));
    const routing = sample.routingHistory.map((e, i) => (i === 0 ? { ...e, group: { id: -1, name: 'x' } } : e));
    expect(run(sample.session, routing).facts.session.quality_flags).toContain('implausible_group_id');
  });

  it('ended before created', () => {
    const ended = new Date(Date.parse(String(sample.session.created)) - 1000).toISOString();
    const r = run({ ...sample.session, ended });
    expect(r.facts.session.quality_flags).toContain('ended_before_created');
    expect(r.facts.session.ended_at).toBe(ended);
    expect(base.facts.session.quality_flags).not.toContain('ended_before_created');
  });
});
