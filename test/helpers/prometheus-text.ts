/**
 * A strict reader of the Prometheus text exposition format (0.0.4), as a scraper checks it: every
 * line a HELP, a TYPE or a sample; names and labels well-formed and escaped; each family typed
 * once, before its samples, its samples together; no sample twice; histogram buckets cumulative
 * with `+Inf` equal to `_count`; counters never negative. Throws naming the line that breaks a rule.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: string;
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A value as Prometheus reads it (Go's ParseFloat): NaN and Inf in any case — prom-client prints a
 * gauge with no samples yet (the event-loop lag right after start) as `Nan`.
 */
function parseValue(raw: string, line: number): number {
  if (/^nan$/i.test(raw)) return NaN;
  if (/^\+?inf(inity)?$/i.test(raw)) return Infinity;
  if (/^-inf(inity)?$/i.test(raw)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`line ${line}: "${raw}" is not a sample value`);
  return Number(raw);
}

function parseLabels(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const m = /^([^=]*)="/.exec(text.slice(i));
    if (!m || !LABEL.test(m[1])) throw new Error(`line ${line}: bad label name in ${text}`);
    if (m[1] in labels) throw new Error(`line ${line}: label ${m[1]} twice`);
    i += m[0].length;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`line ${line}: bad escape \\${e}`);
        i += 2;
      } else {
        value += c;
        i += 1;
      }
    }
    labels[m[1]] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected , or } after a label`);
  }
}

const familyOf = (name: string, families: Map<string, Family>): string => {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && ['histogram', 'summary'].includes(families.get(base)?.type ?? '')) return base;
  }
  return name;
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const finished = new Set<string>();
  let current: string | undefined;
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  text.slice(0, -1).split('\n').forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
    if (meta) {
      const [, kind, name, rest = ''] = meta;
      if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      const f = families.get(name) ?? { type: 'untyped', samples: [] };
      if (kind === 'TYPE') {
        if (families.get(name)?.samples.length || seen.has(`TYPE ${name}`)) throw new Error(`line ${line}: TYPE of ${name} after its samples or twice`);
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
        f.type = rest;
      } else {
        if (f.help !== undefined) throw new Error(`line ${line}: HELP of ${name} twice`);
        if (/\\[^n\\]/.test(rest)) throw new Error(`line ${line}: bad escape in HELP`);
        f.help = rest;
      }
      seen.add(`${kind} ${name}`);
      families.set(name, f);
      return;
    }
    if (raw.startsWith('#')) return;
    const nameMatch = /^[^{\s]+/.exec(raw);
    if (!nameMatch || !NAME.test(nameMatch[0])) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = nameMatch[0];
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: expected " value [timestamp]" in ${raw}`);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp`);
    const value = parseValue(parts[0], line);
    const fam = familyOf(name, families);
    if (current !== fam) {
      if (current !== undefined) finished.add(current);
      if (finished.has(fam)) throw new Error(`line ${line}: samples of ${fam} are not together`);
      current = fam;
    }
    const f = families.get(fam);
    if (!f) throw new Error(`line ${line}: ${name} has no TYPE before its samples`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: sample ${key} twice`);
    seen.add(key);
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`line ${line}: counter ${name} is ${value}`);
    f.samples.push({ name, labels, value });
  });
  for (const [name, f] of families) if (f.type === 'histogram') checkHistogram(name, f);
  return families;
}

function checkHistogram(name: string, f: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples.filter((x) => x.name === `${name}_bucket`)) {
    if (s.labels.le === undefined) throw new Error(`${name}_bucket without le`);
    const { le: _le, ...others } = s.labels;
    const key = JSON.stringify(Object.entries(others).sort());
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, buckets] of series) {
    const sorted = [...buckets].sort((a, b) => parseValue(a.labels.le, 0) - parseValue(b.labels.le, 0));
    for (let i = 1; i < sorted.length; i++) if (sorted[i].value < sorted[i - 1].value) throw new Error(`${name}${key}: buckets are not cumulative`);
    const inf = sorted[sorted.length - 1];
    if (inf.labels.le !== '+Inf') throw new Error(`${name}${key}: no +Inf bucket`);
    const count = f.samples.find((s) => s.name === `${name}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key);
    if (!count || count.value !== inf.value) throw new Error(`${name}${key}: _count differs from the +Inf bucket`);
  }
}
