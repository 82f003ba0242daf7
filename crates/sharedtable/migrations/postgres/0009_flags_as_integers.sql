-- PostgreSQL form of migrations/sqlite/0009_flags_as_integers.sql: nothing to change. On SQLite
-- that migration re-declares the account and publication flags INTEGER, because sqlx's `Any`
-- driver cannot decode a SQLite column declared BOOLEAN; PostgreSQL's BOOLEAN columns decode as
-- they are. Kept so both databases have the same migration numbers.
SELECT 1;
