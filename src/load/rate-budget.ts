import type { Knex } from 'knex';

/**
 * The tenant's API request budget in the warehouse (etl.rate_budget, see its migration): every
 * process calling one tenant's API claims its request starts here, so several workers together
 * stay under the tenant's limit. One statement per claim, atomic under the row's lock: the next
 * `count` starts from next_start (never before now nor before paused_until), `spacing` apart, and
 * next_start moved past them. The pool's tenant (etl.tenant()) names the row.
 *
 * It is the src/mluvii SharedBudget (the limiter's side knows no SQL); src/load may not import the
 * client, so the shapes are repeated here and the compiler matches them where the two meet.
 */

export interface RateBudgetClaim {
  firstStartMs: number;
  spacingMs: number;
  count: number;
  nowMs: number;
  rate: number;
  pausedUntilMs: number;
  cuts: number;
  cut?: { atMs: number; wMax: number };
  sharedAtMs: number;
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

export class RateBudgetStore {
  constructor(private readonly knex: Knex) {}

  async claim({ count, rate, guardMs, knownCuts, claimer }: { count: number; rate: number; guardMs: number; knownCuts?: number; claimer: string }): Promise<RateBudgetClaim> {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`count must be a whole number from 1, got ${count}`);
    if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`rate must be positive, got ${rate}`);
    // A fixed rate is the tenant's setting: written by every claim. A learned one only by a process
    // that follows the latest cut; others take the row's.
    const rateInForce = knownCuts === undefined ? 'CAST(:rate AS float8)' : 'CASE WHEN b.cuts = :knownCuts THEN CAST(:rate AS float8) ELSE b.rate END';
    const spacing = (r: string) => `((1000 + CAST(:guardMs AS float8)) / ${r})`;
    const { rows } = await this.knex.raw(
      `WITH t AS (SELECT clock_timestamp() AS now)
       INSERT INTO etl.rate_budget AS b (rate, next_start, claimer, shared_at, updated_at)
       SELECT CAST(:rate AS float8), t.now + :count * ${spacing('CAST(:rate AS float8)')} * interval '1 ms', :claimer, t.now, t.now FROM t
       ON CONFLICT (tenant) DO UPDATE SET
         rate = ${rateInForce},
         next_start = greatest(b.next_start, EXCLUDED.updated_at, coalesce(b.paused_until, '-infinity'))
           + :count * ${spacing(rateInForce)} * interval '1 ms',
         claimer = EXCLUDED.claimer,
         shared_at = CASE WHEN b.claimer IS DISTINCT FROM EXCLUDED.claimer THEN EXCLUDED.updated_at ELSE b.shared_at END,
         updated_at = EXCLUDED.updated_at
       RETURNING ${ms('b.next_start')} AS next_ms, ${spacing('b.rate')} AS spacing_ms, ${ms('b.updated_at')} AS now_ms, b.rate,
         ${ms('b.paused_until')} AS paused_ms, b.cuts, ${ms('b.cut_at')} AS cut_ms, b.w_max, ${ms('b.shared_at')} AS shared_ms`,
      { count, rate, guardMs, knownCuts: knownCuts ?? null, claimer },
    );
    const r = rows[0] as { next_ms: number; spacing_ms: number; now_ms: number; rate: number; paused_ms: number | null; cuts: number; cut_ms: number | null; w_max: number | null; shared_ms: number | null };
    return {
      firstStartMs: r.next_ms - count * r.spacing_ms,
      spacingMs: r.spacing_ms,
      count,
      nowMs: r.now_ms,
      rate: r.rate,
      pausedUntilMs: r.paused_ms ?? -Infinity,
      cuts: r.cuts,
      cut: r.cut_ms === null || r.w_max === null ? undefined : { atMs: r.cut_ms, wMax: r.w_max },
      sharedAtMs: r.shared_ms ?? -Infinity,
    };
  }

  /** A request left `lateMs` after its start instant: the tenant's starts not yet handed out move on by as much. */
  async delay(lateMs: number): Promise<void> {
    await this.knex.raw(`UPDATE etl.rate_budget SET next_start = next_start + CAST(:lateMs AS float8) * interval '1 ms', updated_at = clock_timestamp() WHERE tenant = etl.tenant()`, { lateMs });
  }

  /** No start of the tenant's before now + ms (a longer pause already set stays). */
  async pause(forMs: number): Promise<void> {
    await this.knex.raw(
      `UPDATE etl.rate_budget SET paused_until = greatest(coalesce(paused_until, '-infinity'), clock_timestamp() + CAST(:forMs AS float8) * interval '1 ms'), updated_at = clock_timestamp()
        WHERE tenant = etl.tenant()`,
      { forMs },
    );
  }

  /** MLUVII_RPS=auto: the learned rate cut after a 429, unless another process cut within cooldownMs. */
  async cut({ rate, wMax, cooldownMs }: { rate: number; wMax: number; cooldownMs: number }): Promise<void> {
    await this.knex.raw(
      `UPDATE etl.rate_budget SET rate = CAST(:rate AS float8), w_max = CAST(:wMax AS float8), cut_at = clock_timestamp(), cuts = cuts + 1, updated_at = clock_timestamp()
        WHERE tenant = etl.tenant() AND (cut_at IS NULL OR cut_at < clock_timestamp() - CAST(:cooldownMs AS float8) * interval '1 ms')`,
      { rate, wMax, cooldownMs },
    );
  }
}
