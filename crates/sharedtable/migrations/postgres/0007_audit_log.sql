-- PostgreSQL form of migrations/sqlite/0007_audit_log.sql (same table, same meaning; types as in 0001_core.sql).
-- The audit log: one entry per change (and one per import, per partnership it touched), written
-- in the same transaction as the change. Portable types: ids UUIDv7 text, `at` RFC 3339 UTC text
-- with microseconds, JSON as text.
--
-- No foreign keys: deleting a user, a partnership or a record leaves its entries intact.
-- `before_json` / `after_json` hold the record's fields as JSON objects, contact details (email,
-- phone) replaced by "(on file)" / "(changed)" before they are written (see src/audit.rs).
CREATE TABLE audit_log (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    at              TEXT COLLATE "C" NOT NULL,
    actor_user_id   TEXT COLLATE "C",                     -- the signed-in user; NULL for the command line or the system
    actor_name      TEXT COLLATE "C" NOT NULL,            -- display name or program name, never an email address
    action          TEXT COLLATE "C" NOT NULL,            -- create | update | delete | import | approve
    entity_table    TEXT COLLATE "C" NOT NULL,            -- the record's table, or 'import'
    entity_id       TEXT COLLATE "C",                     -- the record; for an import, the id its entries share
    partnership_id  TEXT COLLATE "C",                     -- the partnership the record belongs to, if any
    before_json     TEXT COLLATE "C",
    after_json      TEXT COLLATE "C",
    summary         TEXT COLLATE "C" NOT NULL
);
-- A partnership's log and the network's, newest first, with or without a table filter.
CREATE INDEX audit_log_partnership ON audit_log (partnership_id, at, id);
CREATE INDEX audit_log_partnership_table ON audit_log (partnership_id, entity_table, at, id);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_table ON audit_log (entity_table, at, id);

-- Append-only, in the database too: no UPDATE, no DELETE, no TRUNCATE, whoever asks.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the audit log is append-only: its entries cannot be changed';
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: its entries cannot be deleted';
END
$$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
