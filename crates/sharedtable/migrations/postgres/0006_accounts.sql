-- PostgreSQL form of migrations/sqlite/0006_accounts.sql (same tables, same meaning; types as in 0001_core.sql).
-- Accounts, sessions, roles, personal access tokens, invitations, password resets, sign-in
-- throttling and what each partnership publishes (issue 3).
-- Portable types only (the PostgreSQL twin uses TEXT / BIGINT / BOOLEAN the same way): ids are
-- UUIDv7 text, timestamps RFC 3339 UTC text, secrets are stored only as SHA-256 hex digests,
-- passwords only as argon2id PHC strings.

CREATE TABLE users (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    email           TEXT COLLATE "C" NOT NULL UNIQUE,         -- lower-cased; personal data, never shown to visitors or logged
    display_name    TEXT COLLATE "C" NOT NULL,
    password_hash   TEXT COLLATE "C",                         -- argon2id PHC string; NULL = cannot sign in
    network_admin   BOOLEAN NOT NULL DEFAULT FALSE,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);

-- One role per user per partnership.
CREATE TABLE user_roles (
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    partnership_id  TEXT COLLATE "C" NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    role            TEXT COLLATE "C" NOT NULL CHECK (role IN ('convener', 'champion', 'action_team_lead', 'support_partner', 'member')),
    granted_at      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, partnership_id)
);
CREATE INDEX user_roles_partnership ON user_roles (partnership_id);

-- A browser session: the cookie holds a random token, the table only its SHA-256.
CREATE TABLE sessions (
    token_hash      TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      TEXT COLLATE "C" NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    last_seen_at    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Personal access tokens for API clients (`Authorization: Bearer st_...`).
CREATE TABLE access_tokens (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label           TEXT COLLATE "C" NOT NULL,
    token_hash      TEXT COLLATE "C" NOT NULL UNIQUE,
    scope           TEXT COLLATE "C" NOT NULL CHECK (scope IN ('read', 'write')),
    created_at      TEXT COLLATE "C" NOT NULL,
    last_used_at    TEXT COLLATE "C",
    revoked_at      TEXT COLLATE "C"
);
CREATE INDEX access_tokens_user ON access_tokens (user_id);

-- An invitation: single use (accepted_at), expires; grants a role in a partnership, or network admin.
CREATE TABLE invitations (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    token_hash      TEXT COLLATE "C" NOT NULL UNIQUE,
    email           TEXT COLLATE "C" NOT NULL,
    partnership_id  TEXT COLLATE "C" REFERENCES partnerships (id) ON DELETE CASCADE,
    role            TEXT COLLATE "C" CHECK (role IS NULL OR role IN ('convener', 'champion', 'action_team_lead', 'support_partner', 'member')),
    network_admin   BOOLEAN NOT NULL DEFAULT FALSE,
    invited_by      TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    expires_at      TEXT COLLATE "C" NOT NULL,
    accepted_at     TEXT COLLATE "C",
    CHECK ((partnership_id IS NULL) = (role IS NULL))
);

-- A password reset link: single use, expires.
CREATE TABLE password_resets (
    token_hash      TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TEXT COLLATE "C" NOT NULL,
    expires_at      TEXT COLLATE "C" NOT NULL,
    used_at         TEXT COLLATE "C"
);

-- Failed sign-ins, for throttling per account and per address. `subject` is the SHA-256 of
-- "account:EMAIL" or "address:IP", so neither is kept in clear.
CREATE TABLE sign_in_failures (
    subject         TEXT COLLATE "C" NOT NULL,
    at              TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, at);

-- What a partnership shows to visitors who are not its members. No row = everything published
-- (the bundled network comes from public sources). Contact details are never public.
CREATE TABLE partnership_publication (
    partnership_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    page            BOOLEAN NOT NULL,
    impact          BOOLEAN NOT NULL,
    wins            BOOLEAN NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL
);
