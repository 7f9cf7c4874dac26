-- Monthly returns received at the county (BUNDLES.md, kind `return`): every return bundle
-- received is kept whole, so the county can always show what a village sent and when.
--
-- Like templates, returns are not synced records (no id/clock/device/deleted): a return is a
-- signed file that never changes, named for good by its bundle's id. A village may send a
-- corrected return for the same month; both are kept, and `counts` marks the one that counts,
-- the newest by the manifest's `created_at` (ties broken by the higher bundle id). Nothing is
-- ever deleted.

CREATE TABLE returns (
    -- The bundle's UUID, as its manifest gives it.
    bundle_id        TEXT PRIMARY KEY CHECK (length(bundle_id) = 36),
    village_code     TEXT NOT NULL CHECK (length(village_code) = 12),
    village_name     TEXT NOT NULL,
    -- YYYY-MM.
    period           TEXT NOT NULL CHECK (length(period) = 7),
    template_id      TEXT NOT NULL CHECK (length(template_id) BETWEEN 1 AND 64),
    template_version INTEGER NOT NULL CHECK (template_version BETWEEN 1 AND 4294967295),
    template_sha256  TEXT NOT NULL CHECK (length(template_sha256) = 64),
    signer_key_id    TEXT NOT NULL CHECK (length(signer_key_id) = 16),
    signer_name      TEXT NOT NULL,
    -- The manifest's created_at as written (RFC 3339, any offset) …
    created_at       TEXT NOT NULL,
    -- … and the same instant in UTC, fixed width, so that text order is time order.
    created_utc      TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    -- SHA-256 of bytes, lower-case hex: what the signed manifest lists for return.xlsx.
    sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes            BLOB NOT NULL,
    counts           INTEGER NOT NULL CHECK (counts IN (0, 1))
) STRICT;

-- At most one return counts for a village and month.
CREATE UNIQUE INDEX returns_counting ON returns (village_code, period) WHERE counts = 1;
CREATE INDEX returns_village_period ON returns (village_code, period, created_utc);
