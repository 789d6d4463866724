-- Full-text search of documents (search.go). records_search is an FTS5
-- index of each active document's title, the names of the people it is
-- about, its case reference, tags, file names and extracted text. Its rows
-- are the documents' own rows (rowid), so a match is joined back to
-- records_documents without another index, and the access rule and the
-- filters stay plain SQL there.
--
-- It is contentless (content = ''): the text already lives in
-- records_text and records_documents, and is not stored a third time.
-- contentless_delete = 1 lets a row be deleted by rowid alone, so the
-- triggers need not know what was indexed before; bm25() works from the
-- index itself. Snippets are cut in Go from records_text.
--
-- unicode61 splits words at anything that is not a letter or a digit and
-- folds case and diacritics, as the services' case search does.
--
-- Every word typed is matched as the start of a word. Without a prefix
-- index, FTS5 answers "care"* by reading and merging, in full, the lists of
-- every word that starts so (care, carer, carers, careful...) before it can
-- return one row: 180 to 450 ms at 300,000 documents, against 0.5 ms for
-- "care" alone, read lazily. The prefix indexes of 2 to 8 characters make
-- a word typed of up to 8 characters one list, read lazily like a word
-- (about 3 ms at 100,000 documents for "care"* "plan"* ranked); longer ones
-- start few words. They make the index about 1.8 times larger.
--
-- Only the first 200,000 characters of the text are indexed (PostgreSQL's
-- tsvector has a 1 MB limit; both engines index the same text so both
-- find the same things).
CREATE VIRTUAL TABLE records_search USING fts5(
    title, people, case_ref, tags, files, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5 6 7 8'
);

-- What is indexed for a document; only active documents are (destroyed
-- and transferred ones leave the index).
CREATE VIEW records_search_source AS
SELECT d.rowid AS docrow, d.id AS id, d.title AS title,
    COALESCE((SELECT group_concat(json_extract(p.value, '$.name'), ' ') FROM json_each(d.subjects) AS p), '') AS people,
    d.case_ref AS case_ref,
    COALESCE((SELECT group_concat(g.value, ' ') FROM json_each(d.tags) AS g), '') AS tags,
    COALESCE((SELECT group_concat(v.name, ' ') FROM records_versions AS v WHERE v.document_id = d.id), '') AS files,
    COALESCE((SELECT substr(t.body, 1, 200000) FROM records_text AS t WHERE t.document_id = d.id), '') AS body
FROM records_documents AS d
WHERE d.state = 'active';

-- The triggers keep the index in the transaction of every write that
-- changes what it holds, whatever the code path: a document filed,
-- changed, disposed of or deleted; its text stored or removed; a version
-- added. Each one drops the document's row and indexes it afresh.
CREATE TRIGGER records_search_doc_insert AFTER INSERT ON records_documents BEGIN
    INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
        SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source WHERE id = new.id;
END;

CREATE TRIGGER records_search_doc_update AFTER UPDATE OF title, subjects, case_ref, tags, state ON records_documents
WHEN old.title IS NOT new.title OR old.subjects IS NOT new.subjects OR old.case_ref IS NOT new.case_ref
    OR old.tags IS NOT new.tags OR old.state IS NOT new.state BEGIN
    DELETE FROM records_search WHERE rowid = old.rowid;
    INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
        SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source WHERE id = new.id;
END;

CREATE TRIGGER records_search_doc_delete AFTER DELETE ON records_documents BEGIN
    DELETE FROM records_search WHERE rowid = old.rowid;
END;

CREATE TRIGGER records_search_text_insert AFTER INSERT ON records_text BEGIN
    DELETE FROM records_search WHERE rowid = (SELECT rowid FROM records_documents WHERE id = new.document_id);
    INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
        SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source WHERE id = new.document_id;
END;

CREATE TRIGGER records_search_text_update AFTER UPDATE ON records_text BEGIN
    DELETE FROM records_search WHERE rowid = (SELECT rowid FROM records_documents WHERE id = new.document_id);
    INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
        SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source WHERE id = new.document_id;
END;

CREATE TRIGGER records_search_text_delete AFTER DELETE ON records_text BEGIN
    DELETE FROM records_search WHERE rowid = (SELECT rowid FROM records_documents WHERE id = old.document_id);
    INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
        SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source WHERE id = old.document_id;
END;

CREATE TRIGGER records_search_version_insert AFTER INSERT ON records_versions BEGIN
    DELETE FROM records_search WHERE rowid = (SELECT rowid FROM records_documents WHERE id = new.document_id);
    INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
        SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source WHERE id = new.document_id;
END;

CREATE TRIGGER records_search_version_delete AFTER DELETE ON records_versions BEGIN
    DELETE FROM records_search WHERE rowid = (SELECT rowid FROM records_documents WHERE id = old.document_id);
    INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
        SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source WHERE id = old.document_id;
END;

-- Search filters and orders by filing date; the facets count by year of it.
CREATE INDEX records_documents_created ON records_documents (org_id, created_at);

-- The documents already stored.
INSERT INTO records_search (rowid, title, people, case_ref, tags, files, body)
    SELECT docrow, title, people, case_ref, tags, files, body FROM records_search_source;
