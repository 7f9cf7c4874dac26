-- Sync between the laptops of one village team (BUNDLES.md "Sync rows"; the design is written
-- out in crates/core/src/sync/mod.rs).
--
-- None of these tables is synced itself: each laptop keeps its own view of its peers, its own
-- exports, the bundles it received and the conflicts it found.

-- The audit log learns one more action: 'sync', a version written as another laptop made it
-- (its clock and device kept). SQLite cannot change a CHECK constraint in place, so the table
-- is rebuilt with every row and its sequence numbers kept (an export selects the records
-- changed since a point by these numbers).
CREATE TABLE audit_log_v3 (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    device     TEXT NOT NULL,
    table_name TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'sync')),
    field      TEXT,
    old        TEXT,
    new        TEXT,
    clock      TEXT NOT NULL
) STRICT;
INSERT INTO audit_log_v3 (seq, at, device, table_name, record_id, action, field, old, new, clock)
    SELECT seq, at, device, table_name, record_id, action, field, old, new, clock FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_v3 RENAME TO audit_log;
CREATE INDEX audit_log_record ON audit_log (table_name, record_id);

-- Every other device this one has heard of.
--   known:    this device has taken in that device's records as they stood when its clock read
--             this (a clock of that device; see "knowledge" in sync/mod.rs).
--   knows_us: what that device said, in its latest bundle, it has taken in of ours.
--   heard_at: when a bundle of its own was last applied here (NULL: known only through others).
CREATE TABLE sync_peers (
    device   TEXT PRIMARY KEY,
    known    TEXT,
    knows_us TEXT,
    heard_at TEXT
) STRICT;

-- The sync bundles this device made: the clock each was made at, and how far the audit log
-- had come then, so a later bundle can hold the records changed since a peer's last state.
CREATE TABLE sync_exports (
    to_clock  TEXT PRIMARY KEY,
    audit_seq INTEGER NOT NULL,
    bundle_id TEXT NOT NULL,
    full      INTEGER NOT NULL CHECK (full IN (0, 1)),
    at        TEXT NOT NULL
) STRICT;

-- The sync bundles applied here: the same bundle again changes nothing.
CREATE TABLE sync_received (
    bundle_id  TEXT PRIMARY KEY,
    device     TEXT NOT NULL,
    from_clock TEXT NOT NULL,
    to_clock   TEXT NOT NULL,
    rows       INTEGER NOT NULL,
    contiguous INTEGER NOT NULL CHECK (contiguous IN (0, 1)),
    at         TEXT NOT NULL
) STRICT;

-- Records held back by a unique collision: their own version is live, but another record with
-- the same code (name, date, year; or a second village) has the newer clock and is the one
-- shown. Stored as deleted = 1, so the unique indexes and every list skip them; a sync bundle
-- carries them as live, so every laptop decides for itself by the same rule.
CREATE TABLE sync_held (
    table_name TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    PRIMARY KEY (table_name, record_id)
) STRICT, WITHOUT ROWID;

-- Versions that lost a merge, for a person to review: both versions whole (JSON objects of the
-- row as stored: id, clock, device, deleted and every column), and which one won.
CREATE TABLE sync_conflicts (
    id          INTEGER PRIMARY KEY,
    found_at    TEXT NOT NULL,
    bundle_id   TEXT,
    table_name  TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('concurrent', 'unique')),
    winner      TEXT NOT NULL CHECK (winner IN ('local', 'incoming')),
    local       TEXT NOT NULL,
    incoming    TEXT NOT NULL,
    resolved_at TEXT,
    kept        TEXT CHECK (kept IN ('local', 'incoming'))
) STRICT;
