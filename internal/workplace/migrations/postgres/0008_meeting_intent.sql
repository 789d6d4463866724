-- A Teams meeting is asked for under an external ID recorded here before
-- Graph is called (createOrGet), so a job that dies between Graph's
-- answer and saving it finds the same meeting on its retry instead of
-- making a second. A row with an external_id and no meeting_id is such an
-- intent, not yet known to have a meeting.
ALTER TABLE workplace_meetings ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
