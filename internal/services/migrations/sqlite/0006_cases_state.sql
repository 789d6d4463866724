-- A search by state without a service (the API's state filter) walked the
-- open cases in due order to find that state's, reading every case in an
-- earlier state first: 34 ms with 22,000 open complaints, 15,000 of them
-- still in "submitted", 0.2 ms with this index. state_terminal is in it so
-- that SQLite's planner (which has no statistics) prefers it to
-- cases_open_due for open cases in one state. Queues by service and state
-- keep cases_service.
CREATE INDEX cases_state ON cases (org_id, state, state_terminal, due_at, id);
