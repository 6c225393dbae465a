-- One row per session: its facts and everything a KPI needs, decided once (docs/metrics.md K-rules): the
-- REPORT_TZ day and 15-minute interval, answered / abandoned / short abandoned / within the
-- service level, handle time and abandon wait. Every KPI function and reporting.session_durations
-- read sessions through this view, so a rule is written in exactly one place (the core.kpi_*
-- and core.report_* functions) and applied the same way everywhere.
-- Plain view over core.sessions × its tenant's row of etl.settings (each tenant's REPORT_TZ and
-- thresholds): a filter on created_at still uses the index, and columns a query does not read are
-- not computed. core.sessions.is_accepted is any acceptance by an operator; is_answered here is
-- K-ANSWERED (offered and accepted).
-- security_invoker: it reads core with the rights of whoever queries it, so a reporting view
-- built on it shows a tenant's reader only that tenant's rows (row-level security on core).
CREATE VIEW core.kpi_sessions WITH (security_invoker = true) AS
SELECT
  s.tenant,
  s.session_id,
  s.company_id,
  s.department_id,
  s.channel,
  s.source,
  s.status,
  s.campaign_id,
  s.campaign_mode,
  s.widget,
  s.created_at,
  s.guest_joined_at,
  s.started_at,
  s.ended_at,
  s.first_routing_at,
  s.created_s,
  s.in_queue_s,
  s.waiting_s,
  s.bcw_s,
  s.active_s,
  s.acw_s,
  s.ring_s,
  s.waited_s,
  s.answer_s,                                                            -- K-ANSWER
  s.termination_reason,
  s.guest_left_session,
  s.auto_accepted,
  s.is_direct_chat,
  s.skipped_states,
  s.quality_flags,
  s.is_offered,
  s.is_complete,
  core.report_day(s.created_at, st.report_tz)                  AS created_day,
  core.report_interval_start(s.first_routing_at, st.report_tz) AS interval_start,        -- K-INTERVAL
  r.is_answered,                                                                         -- K-ANSWERED
  r.is_abandoned,                                                                        -- K-ABANDONED
  core.kpi_is_answered_within_sl(r.is_answered, s.answer_s, st.service_level_seconds)
                                                               AS is_answered_within_sl, -- K-SL
  w.abandon_wait_s,                                                                      -- K-ABANDON-WAIT
  core.kpi_is_short_abandoned(w.abandon_wait_s, st.short_abandon_seconds)
                                                               AS is_short_abandoned,    -- K-SHORT-ABANDON
  core.kpi_handle_s(s.active_s, s.acw_s)                       AS handle_s,              -- K-HANDLE
  st.report_tz,
  st.service_level_seconds,
  st.short_abandon_seconds
FROM core.sessions s
JOIN etl.settings st ON st.tenant = s.tenant
-- The rules that other rules build on, each applied once here and reused by name. Postgres
-- pulls these subqueries up into the select list: they cost no join.
CROSS JOIN LATERAL (
  SELECT core.kpi_is_answered(s.is_offered, s.is_accepted)                  AS is_answered,
         core.kpi_is_abandoned(s.is_offered, s.is_accepted, s.is_complete)  AS is_abandoned
) r
CROSS JOIN LATERAL (
  SELECT core.kpi_abandon_wait_s(r.is_abandoned, s.first_routing_at, s.ended_at) AS abandon_wait_s
) w;

COMMENT ON VIEW core.kpi_sessions IS
  'Per session, every KPI input decided once by the core.kpi_* and core.report_* functions (docs/metrics.md K-rules). Read by the *_for_* KPI functions and reporting.session_durations.';
