/**
 * The query of `GET /api/v1/Sessions` read the way the real API's ASP.NET model binding reads it:
 * keys case-insensitive, repeated keys for set filters, a validation dictionary for bad values.
 */
import { pragueOffsetSeconds } from '../iso-format.js';

const DEFAULT_LIMIT = 100;

export interface ListQuery {
  limit: number;
  offset: number;
  /** `Created.Min` / `Created.Max`, ms since the epoch. */
  from: number | undefined;
  to: number | undefined;
  /** `Anonymized.Min` / `Anonymized.Max`, ms since the epoch: sessions mluvii anonymized then. */
  anonymized: { from: number; to: number } | undefined;
  /** Whether any `Anonymized.*` key was given (a server may refuse the filter). */
  asksAnonymized: boolean;
  ids: number[];
  /** Set filters, lower case; undefined when not asked for. */
  status: string[] | undefined;
  channel: string[] | undefined;
  source: string[] | undefined;
  departments: number[] | undefined;
}

/** The query, or the 400 answer's body (a dictionary of messages by key). */
export function parseListQuery(url: URL): { query: ListQuery } | { errors: Record<string, string> } {
  const q = queryOf(url);
  const one = (k: string) => q.get(k)?.[0];
  const errors: Record<string, string> = {};
  const int = (k: string, dflt: number) => {
    const raw = one(k);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) errors[k] = `The value '${raw}' is not valid.`;
    return n;
  };
  const limit = int('limit', DEFAULT_LIMIT);
  const offset = int('offset', 0);
  const instant = (k: string) => {
    const raw = one(k);
    if (raw === undefined) return undefined;
    const ms = parseQueryInstant(raw);
    if (ms === undefined) errors[k] = `The value '${raw}' is not valid.`;
    return ms;
  };
  const from = instant('created.min');
  const to = instant('created.max');
  const anonFrom = instant('anonymized.min');
  const anonTo = instant('anonymized.max');
  const asksAnonymized = [...q.keys()].some((k) => k.startsWith('anonymized.'));
  const anonymized = anonFrom !== undefined && anonTo !== undefined ? { from: anonFrom, to: anonTo } : undefined;
  const ids = (q.get('sessionid') ?? []).map(Number).filter((n) => Number.isSafeInteger(n));
  const bad = Object.keys(errors).length > 0;
  if ((from === undefined || to === undefined) && ids.length === 0 && !anonymized && !bad) {
    errors.Created = 'This simulator needs Created.Min and Created.Max, Anonymized.Min and Anonymized.Max, or SessionId.';
  }
  if (Object.keys(errors).length) return { errors };
  const set = (k: string) => q.get(k)?.map((v) => v.toLowerCase());
  return {
    query: {
      limit, offset, from, to, ids, anonymized, asksAnonymized,
      status: set('status'),
      channel: set('channel'),
      source: set('source'),
      departments: q.get('departmentid')?.map(Number),
    },
  };
}

/** Query keys bind case-insensitively, set filters from repeated keys (ASP.NET model binding). */
function queryOf(url: URL): Map<string, string[]> {
  const q = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) {
    const key = k.toLowerCase();
    const list = q.get(key);
    if (list) list.push(v);
    else q.set(key, [v]);
  }
  return q;
}

/**
 * A query instant. With an offset or Z it is exact; without one the server reads it in its own
 * zone, Europe/Prague (the public API docs: "values without an offset are interpreted in the server's zone").
 */
function parseQueryInstant(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(t)) {
    const asUtc = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : `${t}Z`);
    if (Number.isNaN(asUtc)) return undefined;
    return asUtc - pragueOffsetSeconds(asUtc / 1000 - 3600) * 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
