-- Alerts (DOMAIN.md "Alert"): a focal point or a partner reports that a child
-- may be at risk. Times are Unix milliseconds, dates ISO text.
--
-- alerts: the head — who received it, who sent it, how urgent, where it is
-- in its triage. Nothing in it identifies or locates a child.
CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    submitted_by    TEXT NOT NULL REFERENCES users(id),
    received_at     INTEGER NOT NULL,
    urgency         TEXT NOT NULL,
    country         TEXT,
    seen_on         TEXT NOT NULL,
    status          TEXT NOT NULL,
    triaged_by      TEXT REFERENCES users(id),
    triaged_at      INTEGER,
    case_id         TEXT REFERENCES cases(id)
);
CREATE INDEX alerts_queue ON alerts(organisation_id, status, received_at);
CREATE INDEX alerts_sender ON alerts(submitted_by, received_at);

-- alert_details: what the report says (reporter, place, what was seen, the
-- child if known) and the triage note. Kept apart like child_identities and
-- read only on audited paths (alert.list, alert.read, alert.triage); the
-- sender never reads it back.
CREATE TABLE alert_details (
    alert_id            TEXT PRIMARY KEY REFERENCES alerts(id),
    reporter            TEXT NOT NULL,
    reporter_contact    TEXT,
    place               TEXT NOT NULL,
    description         TEXT NOT NULL,
    child_name          TEXT,
    child_sex           TEXT,
    child_estimated_age INTEGER,
    child_description   TEXT,
    triage_note         TEXT
);
