const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a setting such as `30m`, `1d`, `7d`, `1h30m` or `90s` into milliseconds.
 * Returns undefined for anything else (including zero and negatives), so the caller can say
 * which setting was wrong.
 */
export function parseSettingDuration(raw: string): number | undefined {
  const text = raw.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total > 0 ? Math.round(total) : undefined;
}
