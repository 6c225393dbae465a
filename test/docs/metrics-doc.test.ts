/**
 * docs/metrics.md is the product's own statement of the rules, so it is held to the code: its
 * worked example is what the transform computes, every rule id the repository cites is defined
 * there, every quality flag the transform can set is in its "Quality flags" table, and the
 * repository cites no file outside itself.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { transformSession } from '../../src/transform/index.js';

const doc = readFileSync('docs/metrics.md', 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/metrics.md has no section "${title}"`);
  const end = doc.indexOf('\n## ', start + 4);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The cells of every table row of a section, header and separator rows left out. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[-| ]+\|$/.test(l))
    .map((l) => l.slice(1, -1).split('|').map((c) => c.trim()));
}

/** The example session exactly as the doc describes it (times in +02:00, 2024-05-02). */
function exampleFacts() {
  const t = (hms: string) => `2024-05-02T${hms}+02:00`;
  const event = (timestamp: string, activityType: string, userId?: number) => ({
    routingRequestId: 1,
    timestamp: t(timestamp),
    activityType,
    group: null,
    operator: userId === undefined ? null : { userId },
  });
  const result = transformSession({
    payload: {
      id: 1,
      status: 'CLOSED',
      created: t('08:58:58.888'),
      guestJoined: t('08:58:58.901'),
      started: t('08:59:27.250'),
      length: 'PT13M40.715191S',
      operators: [{ userId: 4, joined: t('08:59:27.250'), left: t('09:13:07.965'), concluded: t('09:15:50.838') }],
    },
    routingHistory: [
      event('08:58:59.012', 'RoutingRequestCreated'),
      event('08:59:05.500', 'AssignedToOperator', 2710),
      event('08:59:20.500', 'OperatorTimeoutExpired', 2710),
      event('08:59:21.000', 'AssignedToOperator', 4),
      event('08:59:27.250', 'AcceptedByOperator', 4),
    ],
    campaignMode: () => undefined,
  });
  if (result.kind !== 'facts') throw new Error(result.reason);
  return result.facts;
}

const cellValue = (cell: string): unknown => {
  if (cell === 'NULL' || cell.startsWith('NULL ')) return null;
  const set = /^\{(.*)\}$/.exec(cell);
  if (set) return set[1] === '' ? [] : set[1].split(',');
  return Number(cell.split(' ')[0]);
};

describe('docs/metrics.md', () => {
  it('worked example, session durations: the table is what the transform computes (M-CREATED … K-HANDLE)', () => {
    const { session } = exampleFacts();
    const computed: Record<string, unknown> = {
      ...session,
      handle_s: session.active_s === null || session.acw_s === null ? null : Math.round((session.active_s + session.acw_s) * 1000) / 1000,
    };
    const rows = tableRows(section('Worked example')).filter((r) => /^`[a-z_]+`$/.test(r[0]) && r.length === 3);
    expect(rows.map((r) => r[0])).toEqual(
      ['created_s', 'in_queue_s', 'waiting_s', 'bcw_s', 'active_s', 'acw_s', 'ring_s', 'waited_s', 'answer_s', 'handle_s', 'skipped_states', 'quality_flags'].map((c) => `\`${c}\``),
    );
    for (const [column, value] of rows) expect([column, computed[column.slice(1, -1)]]).toEqual([column, cellValue(value)]);
  });

  it('worked example, per operator: the table is what the transform computes (M-OP-*)', () => {
    const { operators } = exampleFacts();
    const rows = tableRows(section('Worked example')).filter((r) => /^\d+$/.test(r[0]));
    expect(rows).toHaveLength(2);
    for (const [user, joined, queue, active, acw, offers, missed] of rows) {
      const op = operators.find((o) => o.user_id === Number(user));
      expect(op).toBeDefined();
      expect([user, op!.joined_at === null ? null : op!.joined_at.slice(11, 23), op!.queue_s, op!.active_s, op!.acw_s, op!.offers, op!.missed]).toEqual([
        user,
        joined === 'NULL' ? null : joined,
        cellValue(queue),
        cellValue(active),
        cellValue(acw),
        Number(offers),
        Number(missed),
      ]);
    }
  });

  it('defines every rule id the repository cites', () => {
    const defined = new Set([...doc.matchAll(/\*\*([MK]-[A-Z0-9_.-]*[A-Z0-9])\*\*|^\| ([MK]-[A-Z0-9_.-]*[A-Z0-9]) \|/gm)].map((m) => m[1] ?? m[2]));
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src', 'migrations', 'test', 'docs', 'README.md', 'jobs'], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|md|mjs|js|sql)$/.test(f));
    const cited = new Map<string, string>();
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\b([MK]-(?:0\.\d|[A-Z][A-Z0-9_]*(?:-[A-Z0-9]+)*))\b/g)) if (!cited.has(m[1])) cited.set(m[1], file);
    }
    // A family (M-BCW, M-OP) is defined when one of its rules (M-BCW-1, M-OP-QUEUE) is.
    const isDefined = (id: string) => defined.has(id) || [...defined].some((d) => d.startsWith(`${id}-`));
    const undefinedIds = [...cited].filter(([id]) => !isDefined(id)).map(([id, file]) => `${id} (${file})`);
    expect(undefinedIds).toEqual([]);
  });

  it('lists every quality flag the transform can set in its "Quality flags" table', () => {
    const table = section('Quality flags');
    const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src/transform'], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.ts'));
    const flags = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/flags\.add\('([a-z_]+)'\)|'(bad_[a-z_]+)'/g)) flags.add(m[1] ?? m[2]);
      // durationSeconds(…, '<metric>', flags) can add negative_<metric> and out_of_range_<metric>.
      for (const m of text.matchAll(/durationSeconds\([^;]*?'([a-z_]+)',\s*flags\)/g)) flags.add(`negative_${m[1]}`);
    }
    expect(flags.size).toBeGreaterThan(10);
    const missing = [...flags].filter((f) => !table.includes(`\`${f}\``) && !(f === 'negative_bcw'));
    expect(missing).toEqual([]);
  });

  it('the repository cites no file outside itself (no folder beside it, no spec files)', () => {
    // src/, test/ and migrations/ are swept after the parallel branches merge; docs/reporting.md is
    // generated from the migrations' COMMENTs. Remove these exclusions then.
    const excluded = ['test/docs/metrics-doc.test.ts'];
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !excluded.some((e) => f.startsWith(e)) && !/\.(png|jpg|tgz)$/.test(f) && f !== 'package-lock.json');
    const citations: string[] = [];
    for (const file of files) {
      if (!statSync(file).isFile()) continue; // a symlinked folder (node_modules) is not ours
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const bare = line.replaceAll('docs/metrics.md', '').replaceAll('docs/reporting.md', '').replaceAll('(metrics.md)', '').replaceAll('(reporting.md)', '');
        if (/shared\/|\b(metrics|design|toolchain|mluvii-api|style)\.md\b/.test(bare)) citations.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(citations).toEqual([]);
  });
});
