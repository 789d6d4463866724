-- A user's business units are read by user ID within an organisation on
-- every name lookup, people list and session reload. Without this index
-- SQLite's planner picks user_units_unit (org_id, unit_id) for
-- "org_id = ? AND user_id IN (...)" and reads every membership of the
-- organisation (2,000 rows per lookup in the load test's organisation).
CREATE INDEX user_units_user ON user_units (org_id, user_id, unit_id);
