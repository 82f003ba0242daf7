-- Core hub schema: the sector partnership network.
-- Ids are UUIDv7 text; timestamps are RFC 3339 UTC text; dates a person typed are partial
-- ISO 8601 dates ("2017", "2018-05", "2018-11-01") that keep their precision.
-- Every row carries `version`, bumped on each update, which is the HTTP ETag.

CREATE TABLE partnerships (
    id              TEXT PRIMARY KEY NOT NULL,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    sector_label    TEXT NOT NULL,
    naics_codes     TEXT NOT NULL DEFAULT '[]',   -- JSON array of 2022 NAICS codes
    region_name     TEXT NOT NULL,
    region_counties TEXT NOT NULL DEFAULT '[]',   -- JSON array of 5-digit county FIPS
    region_states   TEXT NOT NULL DEFAULT '[]',   -- JSON array of USPS state codes
    launched        TEXT,
    stage           TEXT,                         -- NULL = unknown
    stage_reported  TEXT,
    website         TEXT,
    source_urls     TEXT NOT NULL DEFAULT '[]',   -- JSON array of URLs
    illustrative    INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX partnerships_name_uq ON partnerships (name COLLATE NOCASE);

CREATE TABLE organizations (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    naics_code      TEXT,
    city            TEXT,
    state           TEXT,
    latitude        REAL,
    longitude       REAL,
    employee_count  INTEGER,
    website         TEXT,
    illustrative    INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX organizations_name ON organizations (name);

CREATE TABLE memberships (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    started         TEXT,
    ended           TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (partnership_id, organization_id, role)
);
CREATE INDEX memberships_org ON memberships (organization_id);

CREATE TABLE people (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    partnership_id  TEXT REFERENCES partnerships (id) ON DELETE SET NULL,
    full_name       TEXT NOT NULL,
    title           TEXT,
    email           TEXT,
    phone           TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX people_org ON people (organization_id);
CREATE INDEX people_partnership ON people (partnership_id);

CREATE TABLE meetings (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    held_on         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    notes           TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX meetings_partnership ON meetings (partnership_id, held_on);

CREATE TABLE meeting_attendance (
    id              TEXT PRIMARY KEY NOT NULL,
    meeting_id      TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (meeting_id, organization_id)
);

CREATE TABLE priorities (
    id               TEXT PRIMARY KEY NOT NULL,
    partnership_id   TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    rank             INTEGER NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT,
    status           TEXT NOT NULL,
    set_at_meeting_id TEXT REFERENCES meetings (id) ON DELETE SET NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX priorities_partnership ON priorities (partnership_id, rank);

CREATE TABLE action_teams (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    priority_id     TEXT NOT NULL REFERENCES priorities (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX action_teams_priority ON action_teams (priority_id);

CREATE TABLE action_team_members (
    id              TEXT PRIMARY KEY NOT NULL,
    action_team_id  TEXT NOT NULL REFERENCES action_teams (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (action_team_id, organization_id)
);

CREATE TABLE initiatives (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    action_team_id  TEXT REFERENCES action_teams (id) ON DELETE SET NULL,
    title           TEXT NOT NULL,
    description     TEXT,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    started         TEXT,
    ended           TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX initiatives_partnership ON initiatives (partnership_id);
CREATE INDEX initiatives_team ON initiatives (action_team_id);

CREATE TABLE milestones (
    id              TEXT PRIMARY KEY NOT NULL,
    initiative_id   TEXT NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    due             TEXT,
    completed       TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX milestones_initiative ON milestones (initiative_id);

CREATE TABLE measures (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    initiative_id   TEXT REFERENCES initiatives (id) ON DELETE SET NULL,
    name            TEXT NOT NULL,
    unit            TEXT NOT NULL,
    direction       TEXT NOT NULL,
    category        TEXT NOT NULL,
    description     TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX measures_partnership ON measures (partnership_id);

CREATE TABLE observations (
    id              TEXT PRIMARY KEY NOT NULL,
    measure_id      TEXT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    period          TEXT NOT NULL,
    actual          REAL NOT NULL,
    target          REAL,
    source_note     TEXT,
    source_url      TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX observations_measure ON observations (measure_id, period);

CREATE TABLE wins (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    initiative_id   TEXT REFERENCES initiatives (id) ON DELETE SET NULL,
    achieved        TEXT,
    title           TEXT NOT NULL,
    narrative       TEXT,
    initiative_kind TEXT NOT NULL,
    figures         TEXT,
    source_url      TEXT,
    illustrative    INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX wins_partnership ON wins (partnership_id);

CREATE TABLE win_observations (
    id              TEXT PRIMARY KEY NOT NULL,
    win_id          TEXT NOT NULL REFERENCES wins (id) ON DELETE CASCADE,
    observation_id  TEXT NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (win_id, observation_id)
);
