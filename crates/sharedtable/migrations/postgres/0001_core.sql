-- PostgreSQL form of migrations/sqlite/0001_core.sql (same tables, same meaning). Types: ids,
-- timestamps, dates and JSON stay TEXT exactly as SQLite stores them, with the byte-order "C"
-- collation so they sort and compare as in SQLite; integers are BIGINT, booleans BOOLEAN, reals
-- DOUBLE PRECISION.
--
-- Two shims let the same SQL run on both backends:
-- * `nocase`: SQLite's built-in NOCASE collation (case-insensitive comparison and order), here
--   an ICU collation that ignores case (strength level 2) and is nondeterministic, so `=` and
--   UNIQUE ignore case too;
-- * `instr(haystack, needle)`: SQLite's 1-based position of a substring (0 when absent).
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT strpos(haystack, needle) $$;

-- Core hub schema: the sector partnership network.
-- Ids are UUIDv7 text; timestamps are RFC 3339 UTC text; dates a person typed are partial
-- ISO 8601 dates ("2017", "2018-05", "2018-11-01") that keep their precision.
-- Every row carries `version`, bumped on each update, which is the HTTP ETag.

CREATE TABLE partnerships (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    slug            TEXT COLLATE "C" NOT NULL,     -- unique: index below
    name            TEXT COLLATE "C" NOT NULL,
    sector_label    TEXT COLLATE "C" NOT NULL,
    naics_codes     TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- JSON array of 2022 NAICS codes
    region_name     TEXT COLLATE "C" NOT NULL,
    region_counties TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- JSON array of 5-digit county FIPS
    region_states   TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- JSON array of USPS state codes
    launched        TEXT COLLATE "C",
    stage           TEXT COLLATE "C",                         -- NULL = unknown
    stage_reported  TEXT COLLATE "C",
    website         TEXT COLLATE "C",
    source_urls     TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- JSON array of URLs
    illustrative    BOOLEAN NOT NULL DEFAULT FALSE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX partnerships_name_uq ON partnerships (name COLLATE nocase);
-- After the name's index, so that a row taking both a name and a slug already used is refused
-- for its name first, as SQLite does (PostgreSQL checks unique indexes in the order made).
CREATE UNIQUE INDEX partnerships_slug_key ON partnerships (slug);

CREATE TABLE organizations (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name            TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    naics_code      TEXT COLLATE "C",
    city            TEXT COLLATE "C",
    state           TEXT COLLATE "C",
    latitude        DOUBLE PRECISION,
    longitude       DOUBLE PRECISION,
    employee_count  BIGINT,
    website         TEXT COLLATE "C",
    illustrative    BOOLEAN NOT NULL DEFAULT FALSE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX organizations_name ON organizations (name);

CREATE TABLE memberships (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT COLLATE "C" NOT NULL,
    started         TEXT COLLATE "C",
    ended           TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL,
    UNIQUE (partnership_id, organization_id, role)
);
CREATE INDEX memberships_org ON memberships (organization_id);

CREATE TABLE people (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    partnership_id  TEXT COLLATE "C" REFERENCES partnerships (id) ON DELETE SET NULL,
    full_name       TEXT COLLATE "C" NOT NULL,
    title           TEXT COLLATE "C",
    email           TEXT COLLATE "C",
    phone           TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX people_org ON people (organization_id);
CREATE INDEX people_partnership ON people (partnership_id);

CREATE TABLE meetings (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    held_on         TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    title           TEXT COLLATE "C" NOT NULL,
    notes           TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX meetings_partnership ON meetings (partnership_id, held_on);

CREATE TABLE meeting_attendance (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    meeting_id      TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL,
    UNIQUE (meeting_id, organization_id)
);

CREATE TABLE priorities (
    id               TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id   TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    rank             BIGINT NOT NULL,
    title            TEXT COLLATE "C" NOT NULL,
    description      TEXT COLLATE "C",
    status           TEXT COLLATE "C" NOT NULL,
    set_at_meeting_id TEXT COLLATE "C" REFERENCES meetings (id) ON DELETE SET NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TEXT COLLATE "C" NOT NULL,
    updated_at       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX priorities_partnership ON priorities (partnership_id, rank);

CREATE TABLE action_teams (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    priority_id     TEXT COLLATE "C" NOT NULL REFERENCES priorities (id) ON DELETE CASCADE,
    name            TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX action_teams_priority ON action_teams (priority_id);

CREATE TABLE action_team_members (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    action_team_id  TEXT COLLATE "C" NOT NULL REFERENCES action_teams (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT COLLATE "C" NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL,
    UNIQUE (action_team_id, organization_id)
);

CREATE TABLE initiatives (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    action_team_id  TEXT COLLATE "C" REFERENCES action_teams (id) ON DELETE SET NULL,
    title           TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C",
    kind            TEXT COLLATE "C" NOT NULL,
    status          TEXT COLLATE "C" NOT NULL,
    started         TEXT COLLATE "C",
    ended           TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX initiatives_partnership ON initiatives (partnership_id);
CREATE INDEX initiatives_team ON initiatives (action_team_id);

CREATE TABLE milestones (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    initiative_id   TEXT COLLATE "C" NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    title           TEXT COLLATE "C" NOT NULL,
    due             TEXT COLLATE "C",
    completed       TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX milestones_initiative ON milestones (initiative_id);

CREATE TABLE measures (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    initiative_id   TEXT COLLATE "C" REFERENCES initiatives (id) ON DELETE SET NULL,
    name            TEXT COLLATE "C" NOT NULL,
    unit            TEXT COLLATE "C" NOT NULL,
    direction       TEXT COLLATE "C" NOT NULL,
    category        TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX measures_partnership ON measures (partnership_id);

CREATE TABLE observations (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    measure_id      TEXT COLLATE "C" NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    period          TEXT COLLATE "C" NOT NULL,
    actual          DOUBLE PRECISION NOT NULL,
    target          DOUBLE PRECISION,
    source_note     TEXT COLLATE "C",
    source_url      TEXT COLLATE "C",
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX observations_measure ON observations (measure_id, period);

CREATE TABLE wins (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    initiative_id   TEXT COLLATE "C" REFERENCES initiatives (id) ON DELETE SET NULL,
    achieved        TEXT COLLATE "C",
    title           TEXT COLLATE "C" NOT NULL,
    narrative       TEXT COLLATE "C",
    initiative_kind TEXT COLLATE "C" NOT NULL,
    figures         TEXT COLLATE "C",
    source_url      TEXT COLLATE "C",
    illustrative    BOOLEAN NOT NULL DEFAULT FALSE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX wins_partnership ON wins (partnership_id);

CREATE TABLE win_observations (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    win_id          TEXT COLLATE "C" NOT NULL REFERENCES wins (id) ON DELETE CASCADE,
    observation_id  TEXT COLLATE "C" NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL,
    UNIQUE (win_id, observation_id)
);
