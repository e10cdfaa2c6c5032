-- Safepath core schema (SQLite). Times are Unix milliseconds, dates ISO text.
-- Child identity lives in child_identities / child_names / name_keys, apart
-- from case data, so that aggregate queries never need to touch it.

CREATE TABLE organisations (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    org_type         TEXT NOT NULL,
    countries        TEXT NOT NULL,          -- JSON array of ISO 3166-1 alpha-2
    reference_prefix TEXT NOT NULL UNIQUE,
    services         TEXT NOT NULL,          -- JSON array
    contact          TEXT,
    case_counter     INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    language        TEXT NOT NULL,
    display_name    TEXT,
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL
);
CREATE INDEX users_organisation ON users(organisation_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE child_identities (
    id               TEXT PRIMARY KEY,
    given_name       TEXT NOT NULL,
    family_name      TEXT,
    sex              TEXT NOT NULL,
    date_of_birth    TEXT,
    estimated_age    INTEGER,
    age_disputed     INTEGER NOT NULL,
    citizenship      TEXT NOT NULL,          -- JSON array
    languages        TEXT NOT NULL,          -- JSON array
    created_at       INTEGER NOT NULL,
    CHECK ((date_of_birth IS NULL) <> (estimated_age IS NULL))
);

CREATE TABLE child_names (
    identity_id TEXT NOT NULL REFERENCES child_identities(id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    script      TEXT NOT NULL,
    language    TEXT,
    PRIMARY KEY (identity_id, position)
);

-- Search keys of a child's names (see the linkage crate), per owning
-- organisation: every search is scoped to one organisation, so it reads only
-- that organisation's matches, however large the network grows.
CREATE TABLE name_keys (
    key             TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    identity_id     TEXT NOT NULL REFERENCES child_identities(id),
    PRIMARY KEY (key, organisation_id, identity_id)
) WITHOUT ROWID;
CREATE INDEX name_keys_identity ON name_keys(identity_id);

CREATE TABLE cases (
    id                     TEXT PRIMARY KEY,
    reference              TEXT NOT NULL UNIQUE,
    organisation_id        TEXT NOT NULL REFERENCES organisations(id),
    identity_id            TEXT NOT NULL REFERENCES child_identities(id),
    assigned_to            TEXT REFERENCES users(id),
    status                 TEXT NOT NULL,
    risk_level             TEXT NOT NULL,
    protection_status      TEXT,
    identification_date    TEXT NOT NULL,
    identification_place   TEXT NOT NULL,
    identification_channel TEXT NOT NULL,
    local_structure        TEXT,
    created_by             TEXT,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    version                INTEGER NOT NULL
);
CREATE INDEX cases_organisation ON cases(organisation_id, updated_at);
CREATE INDEX cases_assigned ON cases(assigned_to, updated_at);
-- Covers a name search's case side: from a matching identity to scope,
-- filters and order without reading the case row.
CREATE INDEX cases_identity ON cases(identity_id, organisation_id, assigned_to, updated_at, status, risk_level, id);

CREATE TABLE consents (
    case_id     TEXT NOT NULL REFERENCES cases(id),
    position    INTEGER NOT NULL,
    purpose     TEXT NOT NULL,
    given_by    TEXT NOT NULL,
    given_on    TEXT NOT NULL,
    withheld    TEXT,
    legal_basis TEXT,
    withdrawn_on TEXT,
    PRIMARY KEY (case_id, position)
);

-- The audit trail: append-only, hash-chained. audit_head holds the newest
-- link so that removing events from the end is detected too.
CREATE TABLE audit_events (
    seq             INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    actor_user_id   TEXT,
    actor_org_id    TEXT,
    action          TEXT NOT NULL,
    target_kind     TEXT,
    target_id       TEXT,
    fields          TEXT NOT NULL,          -- JSON array of field names, never values
    request_id      TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_target ON audit_events(target_kind, target_id);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
