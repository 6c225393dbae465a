-- "Now" for the views that show today (reporting.today_kpis): the current transaction's start,
-- unless the session set `mluvii.as_of` to another instant (SET mluvii.as_of = '2026-11-18
-- 10:00+01'): the views then show the day and the 15-minute interval that hold that instant, with
-- the rows loaded so far. For looking at a past day the way a dashboard showed it, and for tests,
-- which never read the real date.
-- STABLE plain SQL, so Postgres inlines it into the views.
CREATE FUNCTION core.report_now() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(nullif(current_setting('mluvii.as_of', true), '')::timestamptz, now())
$$;
