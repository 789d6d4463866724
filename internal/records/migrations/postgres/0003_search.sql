-- Full-text search of documents (search.go). search is a tsvector of each
-- active document's title (weight A), the names of the people it is
-- about, its case reference and tags (B), its file names (C) and its
-- extracted text (D), kept on the document's own row so that a match,
-- the access rule and the filters are one table. The text lives in
-- another table, so the column cannot be a generated one: the triggers
-- below compute it in the transaction of every write that changes what it
-- holds, whatever the code path. Destroyed and transferred documents have
-- none, and leave the index.
--
-- records_search_words is the one expression that cuts text into words,
-- for the index and for what is typed (search.go sends the query through
-- it), so both are cut alike whatever the cluster's locale. Punctuation
-- (ASCII and the common typographic marks) becomes spaces first, as in
-- the services' case search: otherwise an email address or a file name is
-- one token, and with the C locale "O’Brien" is one word. It is the same
-- set of characters as the services' translate() (all of ASCII's
-- punctuation, as ranges, and the typographic marks), by a regular
-- expression: translate() compares every character with every mark, and
-- took 1.5 ms for a page of text against 0.1 ms. The 'simple'
-- configuration lowercases and neither stems nor drops stop words, so a
-- word typed can be matched as the start of a word stored. Only the first
-- 200,000 characters of the text are indexed: a tsvector must stay under
-- 1 MB, and SQLite indexes the same text.
CREATE FUNCTION records_search_words(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT to_tsvector('simple'::regconfig, regexp_replace(t, '[!-/:-@[-`{-~‘’‚“”„·•–—…]', ' ', 'g'))
$$;

ALTER TABLE records_documents ADD COLUMN search tsvector;

CREATE FUNCTION records_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state <> 'active' THEN
        NEW.search := NULL;
        RETURN NEW;
    END IF;
    NEW.search :=
        setweight(records_search_words(NEW.title), 'A') ||
        setweight(records_search_words(
            COALESCE((SELECT string_agg(p->>'name', ' ') FROM jsonb_array_elements(NEW.subjects::jsonb) AS p), '') || ' ' ||
            NEW.case_ref || ' ' ||
            COALESCE((SELECT string_agg(g, ' ') FROM jsonb_array_elements_text(NEW.tags::jsonb) AS g), '')), 'B') ||
        setweight(records_search_words(
            COALESCE((SELECT string_agg(v.name, ' ') FROM records_versions AS v WHERE v.document_id = NEW.id), '')), 'C') ||
        setweight(records_search_words(
            COALESCE((SELECT left(t.body, 200000) FROM records_text AS t WHERE t.document_id = NEW.id), '')), 'D');
    RETURN NEW;
END
$$;

CREATE TRIGGER records_search_refresh BEFORE INSERT OR UPDATE OF title, subjects, case_ref, tags, state ON records_documents
    FOR EACH ROW EXECUTE FUNCTION records_search_refresh();

-- A change to a document's text or versions touches the document, which
-- recomputes its vector above.
CREATE FUNCTION records_search_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE records_documents SET title = title WHERE id = OLD.document_id;
    ELSE
        UPDATE records_documents SET title = title WHERE id = NEW.document_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER records_search_text AFTER INSERT OR UPDATE OR DELETE ON records_text
    FOR EACH ROW EXECUTE FUNCTION records_search_touch();
CREATE TRIGGER records_search_versions AFTER INSERT OR DELETE ON records_versions
    FOR EACH ROW EXECUTE FUNCTION records_search_touch();

-- The documents already stored.
UPDATE records_documents SET title = title;

-- Without the pending list (fastupdate = off), documents filed since the
-- last vacuum sit in an unsorted list, up to 4 MB, that every search
-- reads through; each write updates the index at once instead (the
-- services' case search measured 47 ms against 1.4 ms).
CREATE INDEX records_documents_search ON records_documents USING GIN (search) WITH (fastupdate = off);

-- Search filters and orders by filing date; the facets count by year of it.
CREATE INDEX records_documents_created ON records_documents (org_id, created_at);
