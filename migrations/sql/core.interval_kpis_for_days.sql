-- The interval KPIs (docs/metrics.md "Interval KPIs, short abandons and service-level variants"),
-- straight from core, for the sessions of tenant p_tenant created on its REPORT_TZ days
-- p_first_day … p_last_day.
--
-- A session counts for the 15-minute interval that holds its arrival in the queue, its first
-- RoutingRequestCreated (K-INTERVAL); sessions never offered have no interval. The rows are
-- also split by created_day, only so that a load can replace the rows of the days it touched
-- (a session created at 23:59 that entered the queue at 00:01 counts for 00:00–00:15 of the next
-- day, stored under the day it was created); reporting.interval_kpis adds the parts up.
-- Only counts and sums, so 30- and 60-minute figures are sums of these rows.
CREATE FUNCTION core.interval_kpis_for_days(p_tenant text, p_first_day date, p_last_day date)
RETURNS TABLE (
  tenant                text,
  created_day           date,
  interval_start        timestamptz,
  interval_day          date,
  department_id         bigint,
  channel               text,
  offered               bigint,
  answered              bigint,
  abandoned             bigint,
  short_abandoned       bigint,
  answered_within_sl    bigint,
  service_level_seconds numeric,
  short_abandon_seconds numeric,
  count_answer_s        bigint,
  sum_answer_s          numeric,
  count_handle_s        bigint,
  sum_handle_s          numeric,
  count_abandon_wait_s  bigint,
  sum_abandon_wait_s    numeric
)
LANGUAGE sql STABLE
AS $$
  SELECT
    p_tenant,
    k.created_day,
    k.interval_start,                                                      -- K-INTERVAL
    core.report_day(k.interval_start, k.report_tz)  AS interval_day,
    k.department_id,
    k.channel,
    count(*)                                        AS offered,            -- K-OFFERED
    count(*) FILTER (WHERE k.is_answered)           AS answered,           -- K-ANSWERED
    count(*) FILTER (WHERE k.is_abandoned)          AS abandoned,          -- K-ABANDONED
    count(*) FILTER (WHERE k.is_short_abandoned)    AS short_abandoned,    -- K-SHORT-ABANDON
    count(*) FILTER (WHERE k.is_answered_within_sl) AS answered_within_sl, -- K-SL numerator
    k.service_level_seconds,
    k.short_abandon_seconds,
    count(k.answer_s), sum(k.answer_s),                                    -- K-ANSWER
    count(k.handle_s), sum(k.handle_s),                                    -- K-HANDLE
    count(k.abandon_wait_s), sum(k.abandon_wait_s)                         -- K-ABANDON-WAIT
  FROM core.kpi_sessions_for_days(p_tenant, p_first_day, p_last_day) k
  WHERE k.is_offered
    AND k.interval_start IS NOT NULL
  GROUP BY k.created_day, k.interval_start, 4, k.department_id, k.channel, k.service_level_seconds, k.short_abandon_seconds
$$;
REVOKE ALL ON FUNCTION core.interval_kpis_for_days(text, date, date) FROM PUBLIC;
