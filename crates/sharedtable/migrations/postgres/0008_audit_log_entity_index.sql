-- PostgreSQL form of migrations/sqlite/0008_audit_log_entity_index.sql.
-- Who created a record (the first `create` entry of it) decides whether a member may edit it:
-- look entries up by record.
CREATE INDEX audit_log_entity ON audit_log (entity_table, entity_id, action);
