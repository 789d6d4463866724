-- Search reads a pool of the most recently filed matches (searchpool.go)
-- and weighs relevance in Go, so records_search no longer serves bm25()
-- (0003's note on it is history). What changes here is how long a word
-- typed can be and still be one list, read lazily.
--
-- 0003 kept prefix indexes of 2 to 8 characters. A word typed longer than
-- that (safeguarding, assessment) made FTS5 read and merge, in full, the
-- list of every word it starts before returning one row: 7 to 45 ms at
-- 100,000 documents, growing with them. A prefix index of each length
-- from 2 to 16 makes any word typed of up to 16 characters one list
-- (safeguarding 4 ms -> under 1 ms at 100,000 documents); the lengths
-- from 9 to 16 make the index about 5% larger, few words being that long.
-- A longer word typed is cut to its first 16 (parseTerms).
--
-- FTS5 cannot change a table's prefix indexes, so the table is made
-- afresh and filled again from the documents (records_search_source, as
-- 0003 did). The triggers of 0003 name the table, not a copy of it, and
-- keep the new one. This reads every active document's text once, inside
-- the migration's transaction: 5 minutes for 100,000 documents on a busy
-- two-core machine (the database 3% larger after).
DROP TABLE records_search;

CREATE VIRTUAL TABLE records_search USING fts5(
    title, people, case_ref, tags, files, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5 6 7 8 9 10 11 12 13 14 15 16'
);

INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
    SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source;
