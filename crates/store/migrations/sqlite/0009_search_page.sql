-- A list's or search's page shows each child's names: with this covering
-- index they are read from one index descent per case instead of the
-- primary-key index and then the identity row (docs/benchmarks.md, the name
-- search's cold page reads).
CREATE INDEX child_identities_listed ON child_identities(id, given_name, family_name);
