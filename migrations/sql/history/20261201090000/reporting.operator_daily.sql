-- Per operator and REPORT_TZ day (docs/metrics.md "Per operator and day"), from the stored rows
-- every load refreshes; the operator's current name comes from core.operators at read time.
CREATE VIEW reporting.operator_daily AS
SELECT
  d.day,
  d.user_id,
  coalesce(core.operator_name(op.first_name, op.last_name, op.user_name), d.name_seen) AS operator_name,
  d.sessions_handled,
  d.sessions_involved,
  d.offers,
  d.missed,
  core.kpi_avg_s(d.sum_queue_s, d.count_queue_s)   AS avg_queue_s,
  core.kpi_avg_s(d.sum_active_s, d.count_active_s) AS avg_active_s,
  core.kpi_avg_s(d.sum_acw_s, d.count_acw_s)       AS avg_acw_s,
  d.count_queue_s,
  d.sum_queue_s,
  d.count_active_s,
  d.sum_active_s,
  d.count_acw_s,
  d.sum_acw_s
FROM core.operator_daily_summary d
LEFT JOIN core.operators op ON op.user_id = d.user_id;

COMMENT ON VIEW reporting.operator_daily IS
  'Per operator and day (reporting time zone): sessions handled, offers, missed offers, queue time, conversation time and after-call work (docs/metrics.md "Per operator"). An operator''s session counts for the day the session was created (like daily_kpis), even when they worked on it after midnight. A session handled by two operators counts once for each, so sessions_handled summed over operators is more than daily_kpis.answered. Averages over several rows: sum(sum_x) / sum(count_x).';
COMMENT ON COLUMN reporting.operator_daily.day IS 'Calendar day in the reporting time zone: the day the sessions were created.';
COMMENT ON COLUMN reporting.operator_daily.user_id IS 'mluvii user id of the operator.';
COMMENT ON COLUMN reporting.operator_daily.operator_name IS 'Operator''s name: first and last name, else user name.';
COMMENT ON COLUMN reporting.operator_daily.sessions_handled IS 'Sessions this operator joined (handled) that day; a session handled by two operators counts for each of them.';
COMMENT ON COLUMN reporting.operator_daily.sessions_involved IS 'All sessions this operator appears in that day: handled, or only offered and never joined.';
COMMENT ON COLUMN reporting.operator_daily.offers IS 'Times sessions were assigned (offered) to this operator (M-OP-OFFERS): assignments, not sessions; a session offered to three operators counts once for each. Not daily_kpis.offered.';
COMMENT ON COLUMN reporting.operator_daily.missed IS 'Offers to this operator that timed out without acceptance (M-OP-MISSED).';
COMMENT ON COLUMN reporting.operator_daily.avg_queue_s IS 'Average seconds from assignment to this operator until they accepted (M-OP-QUEUE), over sessions where it is known: sum_queue_s / count_queue_s.';
COMMENT ON COLUMN reporting.operator_daily.avg_active_s IS 'Average seconds in contact with the guest (M-OP-ACTIVE) per session where it is known: sum_active_s / count_active_s.';
COMMENT ON COLUMN reporting.operator_daily.avg_acw_s IS 'Average seconds of after-call work (M-OP-ACW) per session where it is known: sum_acw_s / count_acw_s.';
COMMENT ON COLUMN reporting.operator_daily.count_queue_s IS 'Number of sessions with a known queue time (denominator of avg_queue_s).';
COMMENT ON COLUMN reporting.operator_daily.sum_queue_s IS 'Total queue seconds (numerator of avg_queue_s).';
COMMENT ON COLUMN reporting.operator_daily.count_active_s IS 'Number of sessions with a known contact time (denominator of avg_active_s).';
COMMENT ON COLUMN reporting.operator_daily.sum_active_s IS 'Total seconds in contact with guests (M-OP-ACTIVE, numerator of avg_active_s); NULL when not known for any session.';
COMMENT ON COLUMN reporting.operator_daily.count_acw_s IS 'Number of sessions with a known after-call work time (denominator of avg_acw_s).';
COMMENT ON COLUMN reporting.operator_daily.sum_acw_s IS 'Total seconds of after-call work (M-OP-ACW, numerator of avg_acw_s); NULL when not known for any session.';
