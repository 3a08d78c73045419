-- OAuth providers, people's connections to them, and what agents need.
-- Client secrets and tokens are sealed (service/src/credentials/vault.rs)
-- in their compact text form; none is readable without the master key.

-- A provider admins set up: where to send people and where to get tokens.
-- `issuer` is set for OpenID Connect providers (and required to sign in
-- with one); `login_enabled` makes it a way to sign in to Bosun.
CREATE TABLE oauth_providers (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
    name             TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    issuer           TEXT,
    authorize_url    TEXT NOT NULL,
    token_url        TEXT NOT NULL,
    revocation_url   TEXT,
    client_id        TEXT NOT NULL,
    client_secret    TEXT NOT NULL,
    scopes           TEXT NOT NULL DEFAULT '',
    login_enabled    BIGINT NOT NULL DEFAULT 0,
    login_creates_users BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (workspace_id, name)
);

-- One person's account at one provider. `version` grows with every token
-- write, so a refresh is stored only over the tokens it started from;
-- `refresh_lease_until` lets one process at a time refresh.
CREATE TABLE oauth_connections (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL REFERENCES workspaces (id),
    user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_id          TEXT NOT NULL REFERENCES oauth_providers (id) ON DELETE CASCADE,
    account              TEXT,
    scopes               TEXT NOT NULL DEFAULT '',
    access_token         TEXT NOT NULL,
    refresh_token        TEXT,
    expires_at           BIGINT,
    status               TEXT NOT NULL CHECK (status IN ('active', 'reconnect_needed')),
    version              BIGINT NOT NULL,
    refresh_lease_until  BIGINT,
    connected_at         BIGINT NOT NULL,
    refreshed_at         BIGINT,
    last_used_at         BIGINT,
    UNIQUE (user_id, provider_id)
);
CREATE INDEX oauth_connections_provider ON oauth_connections (provider_id);

-- The accounts (and scopes) a `user` agent needs from whoever runs it.
CREATE TABLE agent_connection_needs (
    agent_id     TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    provider_id  TEXT NOT NULL REFERENCES oauth_providers (id) ON DELETE CASCADE,
    scopes       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (agent_id, provider_id)
);
CREATE INDEX agent_connection_needs_provider ON agent_connection_needs (provider_id);
