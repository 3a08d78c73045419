-- Failed logins also count per client address, so one address cannot try
-- a few passwords for each of many accounts.
ALTER TABLE login_failures ADD COLUMN address TEXT;
CREATE INDEX login_failures_address ON login_failures (address, failed_at);

-- Browser sessions, keyed by the SHA-256 of the session id (hex): whoever
-- reads the database learns no id a browser could present. The session
-- store's own table held plain ids; those sessions end here.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    data        TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
DROP SCHEMA IF EXISTS tower_sessions CASCADE;
