/**
 * The example questions of docs/metabase.md and the starter dashboard's questions
 * (scripts/metabase-setup.mjs), run as the reader role with "today" on each day of a week
 * (issue #16: they gave no rows on a Monday and used the server's date). Their ratios are ratios
 * of sums: checked against the sums of the numerator and denominator columns.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from '../../src/db/knex.js';
import { syncReportingSettings } from '../../src/admin/reporting-settings.js';
import { refreshReportingSummaries } from '../../src/load/reporting-summaries.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { insertOperatorRows, insertSessions, type OperatorRowSpec, type SessionSpec } from './core-rows.js';
import { readerConnection, type ReaderConnection } from './reader.js';

const doc = readFileSync(new URL('../../docs/metabase.md', import.meta.url), 'utf8');
const EXAMPLES = [...doc.matchAll(/\*\*(.+?)\*\*\n\n```sql\n([\s\S]*?)```/g)].map((m) => ({ name: m[1], query: m[2].replace(/;\s*$/, '') }));

// 2026-06-01 is a Monday; "today" runs from Monday 1 June to Sunday 7 June, at 00:30 local
// (the first minutes of a day, when a server's UTC date is still yesterday's).
const TODAYS = [1, 2, 3, 4, 5, 6, 7].map((d) => `2026-06-0${d}T00:30:00+02:00`);

function corpus(): { sessions: SessionSpec[]; operators: OperatorRowSpec[] } {
  const sessions: SessionSpec[] = [];
  const operators: OperatorRowSpec[] = [];
  let id = 0;
  // every 2 h 10 min from 20 April to 7 June: every day and most hours get sessions
  for (let t = Date.parse('2026-04-20T00:00:00Z'); t < Date.parse('2026-06-08T00:00:00Z'); t += 130 * 60_000) {
    id++;
    const created = new Date(t).toISOString();
    const answered = id % 4 !== 0;
    sessions.push({
      id, created, dept: 1 + (id % 2), channel: id % 3 ? 'Chat' : 'Phone', accepted: answered,
      inQueue: 3 + (id % 17), answer: answered ? 5 + (id % 31) : null, active: answered ? 100 : null, acw: answered ? 10 + (id % 7) : null,
      ended: answered ? null : new Date(t + (id % 9) * 1000).toISOString(),
    });
    if (answered) operators.push({ session: id, user: 1 + (id % 3), joined: created, queue: 2, active: 100, acw: 10 + (id % 7), offers: 1 });
  }
  return { sessions, operators };
}

let db: TestDatabase;
let readers: ReaderConnection;
let reader: Knex;

beforeAll(async () => {
  db = await freshDatabase();
  await syncReportingSettings(db.knex, { reportTz: 'Europe/Prague', serviceLevelSeconds: 20 });
  const { sessions, operators } = corpus();
  await insertSessions(db.knex, sessions);
  await insertOperatorRows(db.knex, operators);
  await db.knex.raw(`UPDATE core.sessions SET quality_flags = '{bad_length}' WHERE session_id % 5 = 0`);
  await refreshReportingSummaries(db.knex, { from: '2026-04-01', to: '2026-07-01' });
  readers = await readerConnection(db);
  reader = readers.connect();
});
afterAll(async () => {
  await readers?.close();
  await db?.drop();
});

async function questions(): Promise<Array<{ name: string; query: string }>> {
  const { QUESTIONS } = await import('../../scripts/metabase-setup.mjs');
  return [...EXAMPLES, ...QUESTIONS];
}

describe('the example questions (docs/metabase.md) and the starter dashboard', () => {
  it('are six documented examples and six dashboard questions, all on REPORT_TZ dates', async () => {
    expect(EXAMPLES).toHaveLength(6);
    const all = await questions();
    expect(all).toHaveLength(12);
    for (const q of all) {
      expect([q.name, /current_date|now\(\)\s*-|CURRENT_DATE/.test(q.query)]).toEqual([q.name, false]);
      expect([q.name, q.query.includes('now() AT TIME ZONE report_tz')]).toEqual([q.name, true]);
    }
  });

  it.each(TODAYS)('give rows with "today" = %s', async (today) => {
    for (const q of await questions()) {
      const { rows } = await reader.raw(q.query.replaceAll('now()', `timestamptz '${today}'`));
      expect([q.name, rows.length > 0]).toEqual([q.name, true]);
    }
  });

  it('compute service level as a ratio of sums, not an average of the daily ratios', async () => {
    const example = EXAMPLES.find((e) => e.name.startsWith('Service level and abandon rate per department')) as { query: string };
    const { rows } = await reader.raw(example.query.replaceAll('now()', `timestamptz '${TODAYS[0]}'`));
    const { rows: want } = await reader.raw(`
      SELECT department_id,
             round(sum(answered_within_sl)::numeric / sum(answered + abandoned), 4) AS service_level,
             round(avg(service_level), 4) AS average_of_daily
        FROM reporting.daily_kpis WHERE day > date '2026-06-01' - 28 AND day <= date '2026-06-01'
       GROUP BY department_id ORDER BY department_id`);
    expect(rows.map((r: Record<string, unknown>) => [r.department_id, r.service_level])).toEqual(
      want.map((r: Record<string, unknown>) => [r.department_id, r.service_level]),
    );
  });
});
