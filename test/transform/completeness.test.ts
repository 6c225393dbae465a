/** M-DONE: complete = terminal status and no operator's ACW still running; `never_completed`. */
import { describe, expect, it } from '@jest/globals';
import { facts, operator, type Scenario } from './fixtures/build.js';

describe('M-DONE is_complete', () => {
  it.each<[string, Scenario, boolean, string[]]>([
    ['M-DONE CLOSED with every left concluded → complete', {}, true, []],
    ['M-DONE BLACKLISTED → complete', { session: { status: 'BLACKLISTED' } }, true, []],
    ['M-DONE status compared case-insensitively', { session: { status: 'Closed' } }, true, []],
    ['M-DONE status compared case-insensitively (blacklisted)', { session: { status: 'blacklisted' } }, true, []],
    ['M-DONE ACTIVE → incomplete', { session: { status: 'ACTIVE' } }, false, []],
    ['M-DONE ACW → incomplete', { session: { status: 'ACW' } }, false, []],
    ['M-DONE unknown status (M-0.6) → incomplete, kept as text', { session: { status: 'ARCHIVED' } }, false, []],
    ['M-DONE status missing → incomplete', { session: { status: null } }, false, []],
    ['M-DONE CLOSED but an operator left without concluding → incomplete (M-ACW-2)', { session: { operators: [operator(7, 30, 90, 100), operator(8, 31, 92, null)] } }, false, []],
    ['M-DONE an operator without left needs no concluded', { session: { operators: [operator(7, 30, 90, 100), operator(8, 31, null, null)] } }, true, []],
    ['M-DONE never_completed when the pipeline gave up on an incomplete session', { session: { status: 'ACW' }, opts: { neverCompleted: true } }, false, ['never_completed']],
    ['M-DONE no never_completed on a complete session', { opts: { neverCompleted: true } }, true, []],
    ['M-DONE no never_completed without the option', { session: { status: 'ACW' }, opts: { neverCompleted: false } }, false, []],
  ])('%s', (_name, scenario, complete, flags) => {
    const { session } = facts(scenario);
    expect([session.is_complete, session.quality_flags]).toEqual([complete, flags]);
    expect(session.skipped_states === null).toBe(!complete);
  });

  it('M-0.6 the status is stored as sent', () => {
    expect(facts({ session: { status: 'ARCHIVED' } }).session.status).toBe('ARCHIVED');
  });
});
