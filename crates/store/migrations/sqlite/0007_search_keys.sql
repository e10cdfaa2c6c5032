-- The name search over integers (issue #2's search target).
--
-- name_keys (key text, organisation id, identity id: three text columns, two
-- of them 36-character ids) stays as the linkage's blocking index. The search
-- reads a narrow copy of it instead:
-- - search_terms numbers each (organisation, key) pair once;
-- - every case gets a number of its own, cases.search_no;
-- - search_keys holds (term, case number) pairs, two small integers, so that
--   a search's index ranges are a fraction of name_keys' pages and its
--   INTERSECT compares integers; the case side is one probe of a covering
--   index by number.
-- store::cases keeps the three in step with name_keys (registration, name
-- changes, transfers: index_case_for_search).

ALTER TABLE cases ADD COLUMN search_no INTEGER;
UPDATE cases SET search_no = numbered.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS n FROM cases) AS numbered
WHERE numbered.id = cases.id;
CREATE UNIQUE INDEX cases_search_no ON cases(search_no);
-- Covers a name search's case side: from a case number to scope, filters and
-- order without reading the case row.
CREATE INDEX cases_search ON cases(search_no, organisation_id, assigned_to, updated_at, status, risk_level, id);

CREATE TABLE search_terms (
    id              INTEGER PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    key             TEXT NOT NULL,
    UNIQUE (organisation_id, key)
);
INSERT INTO search_terms (organisation_id, key)
SELECT DISTINCT organisation_id, key FROM name_keys ORDER BY organisation_id, key;

CREATE TABLE search_keys (
    term_id INTEGER NOT NULL REFERENCES search_terms(id),
    case_no INTEGER NOT NULL REFERENCES cases(search_no),
    PRIMARY KEY (term_id, case_no)
) WITHOUT ROWID;
CREATE INDEX search_keys_case ON search_keys(case_no);
-- Each key row looks up its term and its case (CROSS JOIN fixes that order
-- in SQLite, whose planner otherwise pairs every term with every case of the
-- organisation).
INSERT INTO search_keys (term_id, case_no)
SELECT DISTINCT t.id, c.search_no
FROM name_keys k CROSS JOIN search_terms t CROSS JOIN cases c
WHERE t.organisation_id = k.organisation_id AND t.key = k.key
  AND c.identity_id = k.identity_id AND c.organisation_id = k.organisation_id;
