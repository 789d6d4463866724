-- The at-risk queue filter ("at_risk_at <= now AND due_at >= now") cannot be
-- served by the due-date index alone: when few cases are at risk it would
-- walk every open case. Seeking on at_risk_at touches only the cases whose
-- risk window has opened (at risk or breached).
CREATE INDEX cases_at_risk ON cases (org_id, state_terminal, at_risk_at, due_at);
