-- The foundation schema: every entity of DESIGN.md "Domain".
-- Every synced table carries id (UUID v7), clock (hybrid logical clock, sortable text),
-- device (the device that made the change) and deleted (a tombstone for sync).
-- Money is stored as whole 分 (INTEGER) so sums are exact; dates as 'YYYY-MM-DD' text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE village (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    code TEXT NOT NULL CHECK (length(code) = 12),
    name TEXT NOT NULL,
    township TEXT, county TEXT,
    altitude_m REAL CHECK (altitude_m >= 0),
    area_km2 REAL CHECK (area_km2 >= 0),
    group_count INTEGER CHECK (group_count >= 0),
    household_count INTEGER CHECK (household_count >= 0),
    population INTEGER CHECK (population >= 0),
    farmland_mu REAL CHECK (farmland_mu >= 0),
    farmland_per_capita_mu REAL CHECK (farmland_per_capita_mu >= 0),
    main_crops TEXT, livestock TEXT, ethnic_groups TEXT,
    key_poor_village INTEGER CHECK (key_poor_village IN (0, 1)),
    secretary TEXT, secretary_phone TEXT,
    days_target INTEGER CHECK (days_target >= 0)
) STRICT;

CREATE TABLE village_years (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    year INTEGER NOT NULL,
    gdp_fen INTEGER CHECK (gdp_fen >= 0),
    per_capita_income_fen INTEGER CHECK (per_capita_income_fen >= 0),
    poor_households INTEGER CHECK (poor_households >= 0),
    poor_population INTEGER CHECK (poor_population >= 0)
) STRICT;
CREATE UNIQUE INDEX village_years_year ON village_years (year) WHERE deleted = 0;

CREATE TABLE groups (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    name TEXT NOT NULL,
    household_count INTEGER CHECK (household_count >= 0),
    population INTEGER CHECK (population >= 0),
    road TEXT,
    safe_water_households INTEGER CHECK (safe_water_households >= 0),
    safe_water_people INTEGER CHECK (safe_water_people >= 0)
) STRICT;
CREATE UNIQUE INDEX groups_name ON groups (name) WHERE deleted = 0;

CREATE TABLE households (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    code TEXT NOT NULL,
    head_name TEXT NOT NULL,
    id_card TEXT,
    group_id TEXT REFERENCES groups (id),
    size INTEGER CHECK (size >= 1),
    status TEXT NOT NULL,
    monitoring_type TEXT,
    identified_year INTEGER,
    lifted_year INTEGER,
    primary_cause TEXT,
    other_causes TEXT,
    income_per_capita_fen INTEGER CHECK (income_per_capita_fen >= 0)
) STRICT;
CREATE UNIQUE INDEX households_code ON households (code) WHERE deleted = 0;
CREATE INDEX households_group ON households (group_id);

CREATE TABLE village_causes (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    category TEXT NOT NULL,
    description TEXT NOT NULL
) STRICT;

CREATE TABLE interventions (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    start_date TEXT, end_date TEXT,
    status TEXT NOT NULL,
    quantity REAL CHECK (quantity >= 0),
    unit TEXT,
    beneficiary_households INTEGER CHECK (beneficiary_households >= 0),
    beneficiary_people INTEGER CHECK (beneficiary_people >= 0),
    -- The ids of the households it benefits, joined with ','; a list that travels as one value.
    beneficiary_ids TEXT,
    causes TEXT,
    responsible TEXT,
    progress TEXT
) STRICT;

CREATE TABLE funds (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    intervention_id TEXT NOT NULL REFERENCES interventions (id),
    source TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0)
) STRICT;
CREATE INDEX funds_intervention ON funds (intervention_id);

CREATE TABLE disbursements (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    fund_id TEXT NOT NULL REFERENCES funds (id),
    date TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    note TEXT
) STRICT;
CREATE INDEX disbursements_fund ON disbursements (fund_id);

CREATE TABLE pairings (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    title TEXT,
    base_school TEXT NOT NULL,
    partner_schools TEXT,
    school_year INTEGER NOT NULL,
    responsible TEXT
) STRICT;

CREATE TABLE activities (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    pairing_id TEXT NOT NULL REFERENCES pairings (id),
    date TEXT,
    month TEXT,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    host_school TEXT,
    participants TEXT,
    responsible TEXT,
    status TEXT NOT NULL,
    CHECK (date IS NOT NULL OR month IS NOT NULL)
) STRICT;
CREATE INDEX activities_pairing ON activities (pairing_id);

CREATE TABLE visits (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    date TEXT NOT NULL,
    household_id TEXT REFERENCES households (id),
    group_id TEXT REFERENCES groups (id),
    purpose TEXT NOT NULL,
    notes TEXT,
    follow_up TEXT
) STRICT;

CREATE TABLE work_logs (
    id TEXT PRIMARY KEY, clock TEXT NOT NULL, device TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    date TEXT NOT NULL,
    in_village INTEGER NOT NULL CHECK (in_village IN (0, 1)),
    away_reason TEXT,
    category TEXT,
    content TEXT
) STRICT;
CREATE UNIQUE INDEX work_logs_date ON work_logs (date) WHERE deleted = 0;

-- Who changed what and when. Not synced: each device keeps its own history.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    device     TEXT NOT NULL,
    table_name TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    field      TEXT,
    old        TEXT,
    new        TEXT,
    clock      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_record ON audit_log (table_name, record_id);
