-- Tools, agents, sharing, and the event log every audit and trace entry
-- goes to.

ALTER TABLE workspaces ADD COLUMN default_execution_mode TEXT NOT NULL DEFAULT 'restricted'
    CHECK (default_execution_mode IN ('restricted', 'read_write', 'open', 'locked'));

CREATE TABLE tools (
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    argument_kind  TEXT NOT NULL CHECK (argument_kind IN ('command', 'path', 'url', 'text')),
    default_risk   TEXT NOT NULL CHECK (default_risk IN ('safe', 'caution', 'unknown', 'dangerous')),
    category       TEXT NOT NULL
        CHECK (category IN ('read', 'file_write', 'file_delete', 'shell', 'network', 'message', 'other')),
    builtin        BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

CREATE TABLE agents (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id),
    owner_id          TEXT NOT NULL REFERENCES users (id),
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    instructions      TEXT NOT NULL DEFAULT '',
    tools             TEXT NOT NULL DEFAULT '[]',
    execution_mode    TEXT NOT NULL CHECK (execution_mode IN ('restricted', 'read_write', 'open', 'locked')),
    credential_model  TEXT NOT NULL CHECK (credential_model IN ('fixed', 'user')),
    settings          TEXT NOT NULL DEFAULT '{}',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX agents_workspace ON agents (workspace_id, id);
CREATE INDEX agents_owner ON agents (owner_id);

-- A grant to one user (user_id set) or to the whole workspace (user_id NULL).
CREATE TABLE agent_grants (
    id          TEXT PRIMARY KEY,
    agent_id    TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    level       TEXT NOT NULL CHECK (level IN ('run', 'clone', 'edit')),
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX agent_grants_one_per_user ON agent_grants (agent_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX agent_grants_one_per_workspace ON agent_grants (agent_id) WHERE user_id IS NULL;
CREATE INDEX agent_grants_user ON agent_grants (user_id);

-- Every event, in one hash chain: each row's hash covers its content and the
-- previous row's hash, so a changed, removed or reordered row is detectable.
CREATE TABLE events (
    seq           BIGINT PRIMARY KEY,
    at            BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    workspace_id  TEXT NOT NULL,
    agent_id      TEXT,
    run_id        TEXT,
    actor         TEXT,
    on_behalf_of  TEXT,
    data          TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX events_workspace ON events (workspace_id, seq);
CREATE INDEX events_agent ON events (agent_id, seq);

-- The head of the chain. Appending updates this one row first, which
-- serializes appenders and keeps the sequence gapless.
CREATE TABLE event_chain_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO event_chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
