-- Account and publication flags declared INTEGER (0/1) instead of BOOLEAN.
-- Why: the app reads both databases through sqlx's `Any` driver, which cannot decode a SQLite
-- column declared BOOLEAN (SQLite stores the same 0/1 integers either way). Migration 0006 is
-- left exactly as released, so databases made by an earlier version keep their checksum and are
-- converted here; a fresh database goes through the same steps. Values are kept; each column
-- is added as INTEGER, filled, the old one dropped and the new one renamed (SQLite 3.35+).
-- PostgreSQL keeps BOOLEAN (its 0009 changes nothing).

ALTER TABLE users ADD COLUMN network_admin_new INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_new INTEGER NOT NULL DEFAULT 0;
UPDATE users SET network_admin_new = CASE WHEN network_admin THEN 1 ELSE 0 END,
                 disabled_new = CASE WHEN disabled THEN 1 ELSE 0 END;
ALTER TABLE users DROP COLUMN network_admin;
ALTER TABLE users DROP COLUMN disabled;
ALTER TABLE users RENAME COLUMN network_admin_new TO network_admin;
ALTER TABLE users RENAME COLUMN disabled_new TO disabled;

ALTER TABLE invitations ADD COLUMN network_admin_new INTEGER NOT NULL DEFAULT 0;
UPDATE invitations SET network_admin_new = CASE WHEN network_admin THEN 1 ELSE 0 END;
ALTER TABLE invitations DROP COLUMN network_admin;
ALTER TABLE invitations RENAME COLUMN network_admin_new TO network_admin;

ALTER TABLE partnership_publication ADD COLUMN page_new INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partnership_publication ADD COLUMN impact_new INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partnership_publication ADD COLUMN wins_new INTEGER NOT NULL DEFAULT 0;
UPDATE partnership_publication SET page_new = CASE WHEN page THEN 1 ELSE 0 END,
                                   impact_new = CASE WHEN impact THEN 1 ELSE 0 END,
                                   wins_new = CASE WHEN wins THEN 1 ELSE 0 END;
ALTER TABLE partnership_publication DROP COLUMN page;
ALTER TABLE partnership_publication DROP COLUMN impact;
ALTER TABLE partnership_publication DROP COLUMN wins;
ALTER TABLE partnership_publication RENAME COLUMN page_new TO page;
ALTER TABLE partnership_publication RENAME COLUMN impact_new TO impact;
ALTER TABLE partnership_publication RENAME COLUMN wins_new TO wins;
