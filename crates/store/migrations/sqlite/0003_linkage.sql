-- Record linkage in the service (issue #3 §3). Times are Unix milliseconds.
--
-- duplicate_suggestions: a pair of cases of one organisation that the
-- linkage engine scored as possibly one child, with the explanation shown to
-- the reviewer (JSON: each comparison's contribution, no names). `case_a` is
-- the smaller id of the pair, so a pair has one row whatever the order it was
-- found in; a rejected (or unmerged) pair keeps its row and is never
-- suggested again. A confirmed pair names the case marked `duplicate`
-- (`merged_case_id`), the case kept, and the status the merged case had
-- before, so that the merge can be undone.
CREATE TABLE duplicate_suggestions (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    case_a          TEXT NOT NULL REFERENCES cases(id),
    case_b          TEXT NOT NULL REFERENCES cases(id),
    explanation     TEXT NOT NULL,
    status          TEXT NOT NULL,
    merged_case_id  TEXT REFERENCES cases(id),
    kept_case_id    TEXT REFERENCES cases(id),
    previous_status TEXT,
    created_at      BIGINT NOT NULL,
    decided_by      TEXT REFERENCES users(id),
    decided_at      BIGINT,
    UNIQUE (case_a, case_b)
);
CREATE INDEX duplicate_suggestions_queue ON duplicate_suggestions(organisation_id, status, created_at);
CREATE INDEX duplicate_suggestions_merged ON duplicate_suggestions(merged_case_id);

-- tracing_requests: a family looking for a child, recorded by an
-- organisation (the validated request as JSON: the child's names, age, sex,
-- last seen where and when, family members' names). It is identifying data
-- of its own: only the recording organisation reads it, every read audited.
CREATE TABLE tracing_requests (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    data            TEXT NOT NULL,
    created_by      TEXT REFERENCES users(id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX tracing_requests_organisation ON tracing_requests(organisation_id, created_at);

-- A reviewer's confirmation that a tracing request is about a case. Matches
-- themselves are computed when read (under the reader's scope, among cases
-- whose consent allows tracing), so a case registered later is found too.
CREATE TABLE tracing_confirmations (
    request_id   TEXT NOT NULL REFERENCES tracing_requests(id),
    case_id      TEXT NOT NULL REFERENCES cases(id),
    explanation  TEXT NOT NULL,
    confirmed_by TEXT REFERENCES users(id),
    confirmed_at BIGINT NOT NULL,
    PRIMARY KEY (request_id, case_id)
);
