/** Plain-text tables for the terminal (status, demo). */

const fmt = (v: unknown): string => (v instanceof Date ? v.toISOString().replace('.000Z', 'Z') : v === null || v === undefined ? '—' : String(v));

/** A plain-text table: what a person reads on a terminal at 3 a.m. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map(fmt));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => Math.min(r[i].length, 80))));
  const line = (r: string[]) => r.map((c, i) => (c.length > 80 ? c.slice(0, 77) + '...' : c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
