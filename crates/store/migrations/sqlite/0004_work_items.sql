-- The work list, persisted (issue #4). Times are Unix milliseconds.
--
-- work_items: every open task of every open case, as the domain's deadline
-- rules compute it (`workflow::deadlines::case_tasks`), written in the same
-- transaction as whatever changes a case's deadlines (registration, a risk or
-- assignee change, a record, an approval, a status change, a transfer, the
-- organisation's settings). The owner and assignee are copies of the case's,
-- so that `/me/work` finds a scope's overdue and upcoming rows in one index
-- range, in due order, without reading the scope's cases. Rows are
-- backfilled when the migration is applied (`store::work_items::backfill`).
CREATE TABLE work_items (
    case_id         TEXT NOT NULL REFERENCES cases(id),
    position        INTEGER NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    assigned_to     TEXT REFERENCES users(id),
    task            TEXT NOT NULL,
    service_type    TEXT,
    due_at          BIGINT NOT NULL,
    PRIMARY KEY (case_id, position)
);
CREATE INDEX work_items_organisation_due ON work_items(organisation_id, due_at, case_id, position);
CREATE INDEX work_items_assignee_due ON work_items(organisation_id, assigned_to, due_at, case_id, position);

-- organisation_settings: an organisation's deadline table and standards-of-
-- care list, validated (`OrganisationSettings::to_input`, JSON), parsed again
-- when read. No row: DOMAIN.md's defaults.
CREATE TABLE organisation_settings (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations(id),
    settings        TEXT NOT NULL,
    updated_by      TEXT REFERENCES users(id),
    updated_at      BIGINT NOT NULL
);
