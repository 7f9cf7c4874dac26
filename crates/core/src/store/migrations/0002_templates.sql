-- County templates (TEMPLATES.md): every imported version, with its file byte for byte.
--
-- Templates are not synced records, so this table has no id/clock/device/deleted columns: a
-- template comes from the county (a file or a signed template bundle), every installation imports
-- the same file itself, and (template_id, version) names one file for good (the same id and version
-- with other bytes is refused at import), so two copies can never disagree and there is nothing to
-- merge. Nothing is ever updated or deleted: a return records the template's id, version and
-- SHA-256, and must stay readable with exactly that file.

CREATE TABLE templates (
    template_id TEXT NOT NULL CHECK (length(template_id) BETWEEN 1 AND 64),
    version     INTEGER NOT NULL CHECK (version BETWEEN 1 AND 4294967295),
    title       TEXT NOT NULL,
    issuer      TEXT,
    period      TEXT NOT NULL DEFAULT 'month' CHECK (period IN ('month')),
    file_name   TEXT NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('xlsx', 'xlsm', 'xlsb', 'xls', 'ods')),
    -- SHA-256 of bytes, lower-case hex: what a return's _zhucun sheet records.
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes       BLOB NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (template_id, version)
) STRICT;
