/** One line of `doctor`: what was checked, what was found, and what to do about it. */
export interface Check {
  name: string;
  level: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

export const ok = (name: string, detail: string): Check => ({ name, level: 'ok', detail });
export const warn = (name: string, detail: string, hint: string): Check => ({ name, level: 'warn', detail, hint });
export const fail = (name: string, detail: string, hint: string): Check => ({ name, level: 'fail', detail, hint });

const LABEL = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export function renderCheck(c: Check, nameWidth: number): string {
  return `${LABEL[c.level]}  ${c.name.padEnd(nameWidth)}  ${c.detail}${c.hint ? ` — ${c.hint}` : ''}`;
}
