-- The supervisor dashboard counts an organisation's cases by status, risk
-- level and caseworker: with this covering index the count reads index
-- entries only, not every case row (with its JSON) of the organisation.
CREATE INDEX cases_dashboard ON cases(organisation_id, status, risk_level, assigned_to);
