-- How fresh each tenant's rows are: the latest instant up to which the warehouse has read the
-- API, by the windows (every session created before the end of a done window was listed) or by
-- webhook hints (etl.hint_loads: when a worker last read hinted sessions). A hint loads only the
-- sessions mluvii told us about, so its instant says how fresh those are, not that no session
-- is missing: the nightly load lists every window and repairs what the hints missed.
-- security_invoker: read with the rights of whoever queries it (row-level security per tenant).
CREATE VIEW core.loaded_through WITH (security_invoker = true) AS
SELECT
  st.tenant,
  w.windows_loaded_through,
  h.loaded_through                                       AS hints_loaded_through,
  greatest(w.windows_loaded_through, h.loaded_through)   AS loaded_through
FROM etl.settings st
LEFT JOIN LATERAL (
  SELECT max(x.window_end) AS windows_loaded_through FROM etl.windows x WHERE x.tenant = st.tenant AND x.status = 'done'
) w ON true
LEFT JOIN etl.hint_loads h ON h.tenant = st.tenant;
