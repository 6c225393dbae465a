/**
 * Reading an optional instant field of a payload: absent → NaN silently; present but not an
 * ISO 8601 instant → NaN plus a `bad_<field>` flag. The formulas then treat it as missing, and
 * the row stores NULL instead of a string Postgres might refuse.
 */
import { parseIsoInstant } from './iso-instant.js';
import type { QualityFlags } from './quality-flags.js';

export function readInstant(value: unknown, badFlag: string, flags: QualityFlags): number {
  if (value === null || value === undefined) return NaN;
  const micros = typeof value === 'string' ? parseIsoInstant(value) : NaN;
  if (micros !== micros) flags.add(badFlag);
  return micros;
}

/** The original string of an instant that parsed (so Postgres keeps all its digits), else null. */
export function instantText(value: unknown, micros: number): string | null {
  return micros === micros ? (value as string) : null;
}
