/**
 * One pass over `operators[]`: each entry is a stint (a user may have several, e.g. re-joined
 * after a forward back; the public API docs). It yields what the session-level ACW rules need
 * (M-ACW-1, M-ACW-2, M-DONE) and the per-user aggregates of "Per operator" in docs/metrics.md.
 */
import { intOrNull, isPresent, isRecord, strOrNull } from './fields.js';
import type { QualityFlags } from './quality-flags.js';
import { instantText, readInstant } from './read-instant.js';

/** The merged stints of one user (docs/metrics.md "Per operator"). */
export interface UserStints {
  stints: number;
  userName: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Earliest joined / latest left / latest concluded, as µs (NaN: none usable) and string. */
  joinedMicros: number;
  joinedAt: string | null;
  leftMicros: number;
  leftAt: string | null;
  concludedMicros: number;
  concludedAt: string | null;
  /** M-OP-ACTIVE: Σ (left − joined) over stints with both ends; `activeStints` = how many. */
  activeMicros: number;
  activeStints: number;
  /** M-OP-ACW: Σ (concluded − left) over stints with both ends. */
  acwMicros: number;
  acwStints: number;
}

export interface StintSummary {
  /** M-ACW-1: max(operators[].left) and max(operators[].concluded), µs; NaN when none. */
  maxLeftMicros: number;
  maxConcludedMicros: number;
  /** M-ACW-2 / M-DONE: some stint has `left` but no `concluded` — ACW is still running. */
  acwRunning: boolean;
  /** By userId; null when no stint has one. */
  users: Map<number, UserStints> | null;
}

export function summarizeStints(operators: unknown, flags: QualityFlags): StintSummary {
  const summary: StintSummary = { maxLeftMicros: NaN, maxConcludedMicros: NaN, acwRunning: false, users: null };
  if (operators === null || operators === undefined) return summary;
  if (!Array.isArray(operators)) {
    flags.add('bad_operators');
    return summary;
  }
  for (let i = 0; i < operators.length; i++) {
    const stint = operators[i];
    if (!isRecord(stint)) {
      flags.add('bad_operators');
      continue;
    }
    const joined = readInstant(stint.joined, 'bad_operator_joined', flags);
    const left = readInstant(stint.left, 'bad_operator_left', flags);
    const concluded = readInstant(stint.concluded, 'bad_operator_concluded', flags);

    // Presence, not parseability: an unreadable `concluded` still says ACW is over.
    if (isPresent(stint.left) && !isPresent(stint.concluded)) summary.acwRunning = true; // M-ACW-2
    if (left === left && !(left <= summary.maxLeftMicros)) summary.maxLeftMicros = left; // M-ACW-1
    if (concluded === concluded && !(concluded <= summary.maxConcludedMicros)) summary.maxConcludedMicros = concluded;

    const userId = intOrNull(stint.userId);
    if (userId === null || userId < 1) {
      // Present but not an id (a fraction, a string, 0 or less): flagged as implausible, not dropped silently.
      if (isPresent(stint.userId)) flags.add('implausible_operator_id');
      flags.add('operator_without_user_id');
      continue;
    }
    const users = summary.users ?? (summary.users = new Map());
    let user = users.get(userId);
    if (user === undefined) {
      user = {
        stints: 0,
        userName: null,
        firstName: null,
        lastName: null,
        joinedMicros: NaN,
        joinedAt: null,
        leftMicros: NaN,
        leftAt: null,
        concludedMicros: NaN,
        concludedAt: null,
        activeMicros: 0,
        activeStints: 0,
        acwMicros: 0,
        acwStints: 0,
      };
      users.set(userId, user);
    }
    user.stints++;
    user.userName ??= strOrNull(stint.userName);
    user.firstName ??= strOrNull(stint.firstName);
    user.lastName ??= strOrNull(stint.lastName);
    // Merged row: joined = earliest, left = latest, concluded = latest.
    if (joined === joined && !(joined >= user.joinedMicros)) {
      user.joinedMicros = joined;
      user.joinedAt = instantText(stint.joined, joined);
    }
    if (left === left && !(left <= user.leftMicros)) {
      user.leftMicros = left;
      user.leftAt = instantText(stint.left, left);
    }
    if (concluded === concluded && !(concluded <= user.concludedMicros)) {
      user.concludedMicros = concluded;
      user.concludedAt = instantText(stint.concluded, concluded);
    }
    // M-OP-ACTIVE / M-OP-ACW per stint. A negative stint is left out of the sum and flagged
    // (M-0.3 applied per stint), so one broken stint does not hide the others.
    const active = left - joined;
    if (active === active) {
      if (active < 0) flags.add('negative_operator_active');
      else {
        user.activeMicros += active;
        user.activeStints++;
      }
    }
    const acw = concluded - left;
    if (acw === acw) {
      if (acw < 0) flags.add('negative_operator_acw');
      else {
        user.acwMicros += acw;
        user.acwStints++;
      }
    }
  }
  return summary;
}
