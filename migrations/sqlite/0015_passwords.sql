-- Password changes and one-time set-password links.
-- A session that began before the user's password last changed no longer
-- counts: changing or resetting a password ends the person's other sessions.
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;

-- A link an admin hands a member to set their own password: only the
-- SHA-256 of its token is kept; it works once, until it expires, and a new
-- link for the same person replaces any older one.
CREATE TABLE password_links (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX password_links_user ON password_links (user_id);
