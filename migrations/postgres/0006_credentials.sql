-- Fixed credentials: an agent's named secrets, one row per version, each
-- sealed under its own data key (see service/src/credentials/vault.rs).
-- Nothing here is readable without the master key, which is never stored
-- in the database.
CREATE TABLE credentials (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
    agent_id         TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    version          BIGINT NOT NULL,
    service_account  TEXT NOT NULL,
    ciphertext       TEXT NOT NULL,
    nonce            TEXT NOT NULL,
    wrapped_key      TEXT NOT NULL,
    key_nonce        TEXT NOT NULL,
    written_by       TEXT NOT NULL,
    written_at       BIGINT NOT NULL,
    last_used_at     BIGINT,
    UNIQUE (agent_id, name, version)
);
