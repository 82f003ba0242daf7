-- The audit log: one entry per change (and one per import, per partnership it touched), written
-- in the same transaction as the change. Portable types: ids UUIDv7 text, `at` RFC 3339 UTC text
-- with microseconds, JSON as text.
--
-- No foreign keys: deleting a user, a partnership or a record leaves its entries intact.
-- `before_json` / `after_json` hold the record's fields as JSON objects, contact details (email,
-- phone) replaced by "(on file)" / "(changed)" before they are written (see src/audit.rs).
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY NOT NULL,
    at              TEXT NOT NULL,
    actor_user_id   TEXT,                     -- the signed-in user; NULL for the command line or the system
    actor_name      TEXT NOT NULL,            -- display name or program name, never an email address
    action          TEXT NOT NULL,            -- create | update | delete | import | approve
    entity_table    TEXT NOT NULL,            -- the record's table, or 'import'
    entity_id       TEXT,                     -- the record; for an import, the id its entries share
    partnership_id  TEXT,                     -- the partnership the record belongs to, if any
    before_json     TEXT,
    after_json      TEXT,
    summary         TEXT NOT NULL
);
-- A partnership's log and the network's, newest first, with or without a table filter.
CREATE INDEX audit_log_partnership ON audit_log (partnership_id, at, id);
CREATE INDEX audit_log_partnership_table ON audit_log (partnership_id, entity_table, at, id);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_table ON audit_log (entity_table, at, id);

-- Append-only, in the database too: no UPDATE, no DELETE, whoever asks.
-- PostgreSQL needs the equivalent: a trigger function
--   CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
--   $$ BEGIN RAISE EXCEPTION 'the audit log is append-only: its entries cannot be changed or deleted'; END $$;
-- and `CREATE TRIGGER ... BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION
-- audit_log_append_only();` (plus `BEFORE TRUNCATE ... FOR EACH STATEMENT`).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be changed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be deleted');
END;
