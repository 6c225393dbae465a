CREATE VIEW reporting.operator_daily AS
SELECT
  d.day,
  d.user_id,
  coalesce(coalesce(nullif(btrim(concat_ws(' ', op.first_name, op.last_name)), ''), op.user_name), d.name_seen) AS operator_name,
  d.sessions,
  d.offers,
  d.missed,
  round(d.sum_queue_s / nullif(d.count_queue_s, 0), 3)   AS avg_queue_s,
  d.sum_active_s,
  round(d.sum_active_s / nullif(d.count_active_s, 0), 3) AS avg_active_s,
  d.sum_acw_s,
  round(d.sum_acw_s / nullif(d.count_acw_s, 0), 3)       AS avg_acw_s,
  d.session_rows,
  d.count_queue_s,
  d.sum_queue_s,
  d.count_active_s,
  d.count_acw_s
FROM core.operator_daily_summary d
LEFT JOIN core.operators op ON op.user_id = d.user_id;

COMMENT ON VIEW reporting.operator_daily IS 'Per operator and day (reporting time zone): sessions handled, offers, missed offers, queue time, conversation time and after-call work. An operator''s session counts for the day the session was created (like daily_kpis), even when they worked on it after midnight.';
COMMENT ON COLUMN reporting.operator_daily.day IS 'Calendar day in the reporting time zone: the day the sessions were created.';
COMMENT ON COLUMN reporting.operator_daily.user_id IS 'mluvii user id of the operator.';
COMMENT ON COLUMN reporting.operator_daily.operator_name IS 'Operator''s name: first and last name, else user name.';
COMMENT ON COLUMN reporting.operator_daily.sessions IS 'Sessions the operator joined (handled) that day.';
COMMENT ON COLUMN reporting.operator_daily.offers IS 'Times sessions were assigned (offered) to the operator (M-OP-OFFERS).';
COMMENT ON COLUMN reporting.operator_daily.missed IS 'Offers that timed out without the operator accepting (M-OP-MISSED).';
COMMENT ON COLUMN reporting.operator_daily.avg_queue_s IS 'Average seconds from assignment to this operator until they accepted (M-OP-QUEUE), over sessions where it is known.';
COMMENT ON COLUMN reporting.operator_daily.sum_active_s IS 'Total seconds in contact with guests (M-OP-ACTIVE); NULL when not known for any session.';
COMMENT ON COLUMN reporting.operator_daily.avg_active_s IS 'Average seconds in contact with the guest per session where it is known.';
COMMENT ON COLUMN reporting.operator_daily.sum_acw_s IS 'Total seconds of after-call work (M-OP-ACW); NULL when not known for any session.';
COMMENT ON COLUMN reporting.operator_daily.avg_acw_s IS 'Average seconds of after-call work per session where it is known.';
COMMENT ON COLUMN reporting.operator_daily.session_rows IS 'All sessions the operator appears in that day, including offers they never joined.';
COMMENT ON COLUMN reporting.operator_daily.count_queue_s IS 'Number of sessions with a known queue time (denominator of avg_queue_s).';
COMMENT ON COLUMN reporting.operator_daily.sum_queue_s IS 'Total queue seconds, for averages over several days: sum(sum_queue_s) / sum(count_queue_s).';
COMMENT ON COLUMN reporting.operator_daily.count_active_s IS 'Number of sessions with a known contact time (denominator of avg_active_s).';
COMMENT ON COLUMN reporting.operator_daily.count_acw_s IS 'Number of sessions with a known after-call work time (denominator of avg_acw_s).';
