-- Each synced record names the audit log entry of its latest change in `audit_seq`: the first
-- entry a change made here wrote, or, for a version received by sync, the one entry of the
-- merge that brought it (table_name `sync_received`, record_id the bundle's id).
--
-- An export finds the records changed since a state by this number (`sync_exports.audit_seq`
-- holds the audit log's last number at each export), so a merge need not write an audit row
-- for every record new here: receiving a new laptop's 7,000 records wrote 7,000 rows that said
-- nothing the records and the merge's entry do not, and that was a third of the work.
--
-- A database that already has an audit log takes, for each record, the number of its last
-- entry: the records an export would have found before are the ones it finds now.

ALTER TABLE village ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE village SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'village' AND record_id = village.id), 0);

ALTER TABLE village_years ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE village_years SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'village_years' AND record_id = village_years.id), 0);

ALTER TABLE groups ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE groups SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'groups' AND record_id = groups.id), 0);

ALTER TABLE households ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE households SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'households' AND record_id = households.id), 0);

ALTER TABLE village_causes ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE village_causes SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'village_causes' AND record_id = village_causes.id), 0);

ALTER TABLE interventions ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE interventions SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'interventions' AND record_id = interventions.id), 0);

ALTER TABLE funds ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE funds SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'funds' AND record_id = funds.id), 0);

ALTER TABLE disbursements ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE disbursements SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'disbursements' AND record_id = disbursements.id), 0);

ALTER TABLE pairings ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE pairings SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'pairings' AND record_id = pairings.id), 0);

ALTER TABLE activities ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE activities SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'activities' AND record_id = activities.id), 0);

ALTER TABLE visits ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE visits SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'visits' AND record_id = visits.id), 0);

ALTER TABLE work_logs ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
UPDATE work_logs SET audit_seq = coalesce(
    (SELECT max(seq) FROM audit_log WHERE table_name = 'work_logs' AND record_id = work_logs.id), 0);
