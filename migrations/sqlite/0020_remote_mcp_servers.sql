-- Remote MCP servers: upstream servers reachable over Streamable HTTP that
-- an admin registers, with how Bosun authenticates to them, and the agents
-- an editor lets use each. Bosun serves each at /mcp/{agent}/{name} and
-- injects the upstream credential itself; the client never holds it.

CREATE TABLE remote_mcp_servers (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL REFERENCES workspaces (id),
    -- Part of the URL Bosun serves it at and of its tools' names.
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    url                  TEXT NOT NULL,
    -- none, header (a stored secret sent as a header), oauth (the run's
    -- user's connection to a provider).
    auth_kind            TEXT NOT NULL CHECK (auth_kind IN ('none', 'header', 'oauth')),
    header_name          TEXT,
    -- Sealed, bound to the server; never listed.
    header_value_sealed  TEXT,
    -- A deleted provider leaves the server refusing calls until an admin
    -- sets its authentication again.
    oauth_provider_id    TEXT REFERENCES oauth_providers (id) ON DELETE SET NULL,
    -- How long a call to the upstream may take before the client is told.
    timeout_seconds      BIGINT NOT NULL,
    created_by           TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE agent_remote_mcp_servers (
    agent_id     TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    server_id    TEXT NOT NULL REFERENCES remote_mcp_servers (id) ON DELETE CASCADE,
    attached_by  TEXT NOT NULL,
    attached_at  BIGINT NOT NULL,
    PRIMARY KEY (agent_id, server_id)
);
CREATE INDEX agent_remote_mcp_servers_server ON agent_remote_mcp_servers (server_id);
