-- Permission rules in their three ordered lists, and the version counters
-- that tell every Bosun process when a compiled rule set is out of date.

CREATE TABLE rules (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    -- Set for the agent's own rules, NULL for workspace and enforced rules.
    agent_id      TEXT REFERENCES agents (id) ON DELETE CASCADE,
    layer         TEXT NOT NULL CHECK (layer IN ('enforced', 'agent', 'workspace')),
    position      BIGINT NOT NULL,
    tool          TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('allow', 'ask', 'deny')),
    pattern       TEXT,
    note          TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK ((layer = 'agent') = (agent_id IS NOT NULL))
);
CREATE INDEX rules_workspace ON rules (workspace_id, layer, position);
CREATE INDEX rules_agent ON rules (agent_id, position);

-- Bumped in the transaction of every change to what decides an agent's tool
-- calls: its rules and mode (agents), the workspace's rules, default mode
-- and tool catalog (workspaces).
ALTER TABLE agents ADD COLUMN policy_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE workspaces ADD COLUMN policy_version BIGINT NOT NULL DEFAULT 0;
