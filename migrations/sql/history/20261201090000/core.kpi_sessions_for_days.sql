-- The sessions (core.kpi_sessions) created on the REPORT_TZ days p_first_day … p_last_day: what
-- every KPI function aggregates. created_day decides; the created_at bounds, a day wider on
-- either side, only let the index on created_at find the rows, so a DST change at local midnight
-- can never drop a session.
-- Plain SQL, so Postgres inlines it into the query that calls it (and the bounds into an index
-- scan). Only the ETL's own functions read core this way: a function runs with its caller's
-- rights, so the reporting views read core.kpi_sessions itself.
CREATE FUNCTION core.kpi_sessions_for_days(p_first_day date, p_last_day date) RETURNS SETOF core.kpi_sessions
LANGUAGE sql STABLE
AS $$
  SELECT k.*
    FROM core.kpi_sessions k
   WHERE k.created_at >= (SELECT (p_first_day::timestamp AT TIME ZONE report_tz) - interval '1 day' FROM etl.settings)
     AND k.created_at <  (SELECT ((p_last_day + 1)::timestamp AT TIME ZONE report_tz) + interval '1 day' FROM etl.settings)
     AND k.created_day BETWEEN p_first_day AND p_last_day
$$;
REVOKE ALL ON FUNCTION core.kpi_sessions_for_days(date, date) FROM PUBLIC;
