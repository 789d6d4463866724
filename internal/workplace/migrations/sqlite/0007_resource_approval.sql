-- A desk or room may need a manager's approval, or not, whatever its
-- kind's booking rules say: -1 follows the kind's rules (workplace_rules),
-- 0 never needs approval, 1 always does.
ALTER TABLE workplace_resources ADD COLUMN needs_approval INTEGER NOT NULL DEFAULT -1;
