/**
 * M-DONE: a session is complete when its status is terminal and no operator's ACW is still
 * running. Incomplete sessions are re-fetched by later runs.
 */
import type { StintSummary } from './operator-stints.js';

/** Status enums are compared case-insensitively: their casing has drifted before (M-0.6). */
export function isTerminalStatus(status: string | null): boolean {
  if (status === null) return false;
  if (status === 'CLOSED' || status === 'BLACKLISTED') return true;
  if (status.length !== 6 && status.length !== 11) return false;
  const upper = status.toUpperCase();
  return upper === 'CLOSED' || upper === 'BLACKLISTED';
}

export function isComplete(status: string | null, stints: StintSummary): boolean {
  return isTerminalStatus(status) && !stints.acwRunning;
}
