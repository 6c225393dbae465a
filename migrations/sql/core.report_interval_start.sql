-- K-INTERVAL (docs/metrics.md "Interval KPIs"): the start of the 15-minute interval of the local
-- clock in p_tz that holds p_at, as an instant.
--
-- The interval is found on the local clock (so 08:00, 08:15 … in REPORT_TZ, whatever the UTC
-- offset), then moved back to an instant with the offset p_at itself had. Converting the local
-- start back through the time zone instead would be wrong on the night clocks go back: 02:15 local
-- happens twice, and both 02:15–02:30 intervals must stay two distinct instants.
-- Written with immutable operators only (timestamp arithmetic, AT TIME ZONE), so it is inlined.
CREATE FUNCTION core.report_interval_start(p_at timestamptz, p_tz text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT (
      (p_at AT TIME ZONE 'UTC')
      -- how far p_at is into its local 15-minute interval
      - ((p_at AT TIME ZONE p_tz)
         - (date_trunc('hour', p_at AT TIME ZONE p_tz)
            + (extract(minute FROM p_at AT TIME ZONE p_tz)::integer / 15) * interval '15 minutes'))
    ) AT TIME ZONE 'UTC'
$$;
