-- The case workflow (issue #4). Times are Unix milliseconds, dates ISO text.
--
-- case_records holds the per-case records a caseworker keeps (assessments,
-- indicator observations, BIA, BID, case plan, services, standards checks,
-- episodes, perpetrators, follow-ups, closure requests, reopenings) as
-- validated JSON, one row per record; `due_on` is the date a pending record
-- falls due (a service, a scheduled follow-up, a BID review) so that the
-- work list reads due dates without opening the JSON. Approvals, referrals
-- and transfers are queried across cases (a supervisor's queue, a partner's
-- inbox), so they are tables of their own.

CREATE TABLE case_records (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases(id),
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,              -- JSON of the validated domain record
    due_on      TEXT,
    created_by  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX case_records_case ON case_records(case_id, kind, created_at);

-- Approvals: a pending row (decision NULL) is what a supervisor's queue lists.
CREATE TABLE approvals (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases(id),
    kind         TEXT NOT NULL,
    record_id    TEXT,                      -- the BIA, BID, plan or transfer approved
    requested_by TEXT,
    requested_at BIGINT NOT NULL,
    decision     TEXT,
    comment      TEXT,
    decided_by   TEXT,
    decided_on   TEXT,
    decided_at   BIGINT
);
CREATE INDEX approvals_case ON approvals(case_id, kind, requested_at);
CREATE INDEX approvals_pending ON approvals(decision, case_id);

CREATE TABLE referrals (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL REFERENCES cases(id),
    from_organisation TEXT NOT NULL REFERENCES organisations(id),
    to_organisation   TEXT NOT NULL REFERENCES organisations(id),
    to_user           TEXT,
    reason            TEXT NOT NULL,
    details           TEXT,
    service_type      TEXT NOT NULL,
    sections          TEXT NOT NULL,        -- JSON array of section names
    access_until      TEXT NOT NULL,
    status            TEXT NOT NULL,
    sharing_basis     TEXT NOT NULL,        -- consent | override
    override_reason   TEXT,
    override_by       TEXT,
    outcome           TEXT,
    created_by        TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX referrals_case ON referrals(case_id);
CREATE INDEX referrals_receiver ON referrals(to_organisation, status);

CREATE TABLE transfers (
    id                     TEXT PRIMARY KEY,
    case_id                TEXT NOT NULL REFERENCES cases(id),
    from_organisation      TEXT NOT NULL REFERENCES organisations(id),
    to_organisation        TEXT NOT NULL REFERENCES organisations(id),
    from_country           TEXT NOT NULL,
    to_country             TEXT NOT NULL,
    reason                 TEXT NOT NULL,
    details                TEXT,
    separates_from_parents BIGINT NOT NULL,
    sharing_basis          TEXT NOT NULL,
    override_reason        TEXT,
    override_by            TEXT,
    status                 TEXT NOT NULL,   -- requested | accepted | declined | cancelled | completed
    status_before          TEXT NOT NULL,
    created_by             TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX transfers_case ON transfers(case_id);
CREATE INDEX transfers_receiver ON transfers(to_organisation, status);

-- Every status change of a case, for its history.
CREATE TABLE case_status_history (
    case_id     TEXT NOT NULL REFERENCES cases(id),
    seq         BIGINT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT,
    at          BIGINT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
