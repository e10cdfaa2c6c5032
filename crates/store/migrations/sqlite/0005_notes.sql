-- Case notes (issue #5): free text a caseworker writes about a child.
--
-- A table of its own, not a kind of case_records: the HTCDS export and every
-- aggregate read case_records and cases, never this table, so a note cannot
-- leave the system by either road; a referral shares sections, and notes are
-- none of them. Notes are only ever added (a correction is a new note).

CREATE TABLE case_notes (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases(id),
    author      TEXT NOT NULL REFERENCES users(id),
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id, created_at);
