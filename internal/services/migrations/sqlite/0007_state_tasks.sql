-- A task a state makes on entry ("Send the stage 1 response") is that
-- state's work: it closes when the case leaves the state, so a caseworker's
-- list never shows work already done by the move that finished it. Tasks
-- staff add themselves are theirs to close.
ALTER TABLE case_tasks ADD COLUMN closes_on_exit INTEGER NOT NULL DEFAULT 0;
-- Tasks made before this keep 0: nothing recorded which were made on entry.
