-- An operator's name as every reporting view shows it: "First Last", else the user name; NULL when
-- neither is known. STABLE rather than IMMUTABLE only because concat_ws is: Postgres inlines a SQL
-- function only when it claims no more than its body, so this one costs nothing per row.
CREATE FUNCTION core.operator_name(p_first_name text, p_last_name text, p_user_name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(nullif(btrim(concat_ws(' ', p_first_name, p_last_name)), ''), p_user_name)
$$;
