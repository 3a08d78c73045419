-- Runtime keys, runs, tool calls and approvals: the loop in which agents
-- ask, Bosun decides or pauses them, and reviewers decide.

ALTER TABLE workspaces ADD COLUMN approval_ttl_seconds BIGINT NOT NULL DEFAULT 86400;
ALTER TABLE workspaces ADD COLUMN allow_self_approval BIGINT NOT NULL DEFAULT 0;

CREATE TABLE runtime_keys (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    agent_id      TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX runtime_keys_agent ON runtime_keys (agent_id);

CREATE TABLE runs (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    agent_id        TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    input           TEXT NOT NULL,
    output          TEXT,
    -- The user who started the run; NULL when the agent's own key did.
    started_by      TEXT REFERENCES users (id),
    started_by_key  TEXT,
    claimed_by_key  TEXT,
    created_at      BIGINT NOT NULL,
    claimed_at      BIGINT,
    finished_at     BIGINT
);
CREATE INDEX runs_queue ON runs (agent_id, status, created_at);
CREATE INDEX runs_started_by ON runs (started_by, created_at);

CREATE TABLE tool_calls (
    id               TEXT PRIMARY KEY,
    run_id           TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool             TEXT NOT NULL,
    input            TEXT NOT NULL,
    working_dir      TEXT,
    idempotency_key  TEXT,
    -- What the rules said: allow, ask or deny.
    decision         TEXT NOT NULL CHECK (decision IN ('allow', 'ask', 'deny')),
    -- What the agent is told: allow or deny (NULL while a reviewer decides).
    outcome          TEXT CHECK (outcome IN ('allow', 'deny')),
    -- The input to use: the reviewer's edit, or the original.
    final_input      TEXT,
    message          TEXT,
    reason           TEXT NOT NULL,
    risk             TEXT NOT NULL,
    approval_id      TEXT,
    result           TEXT,
    error            TEXT,
    created_at       BIGINT NOT NULL,
    decided_at       BIGINT,
    finished_at      BIGINT
);
CREATE UNIQUE INDEX tool_calls_idempotency ON tool_calls (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tool_calls_run ON tool_calls (run_id, created_at);

CREATE TABLE approvals (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    agent_id       TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool_call_id   TEXT NOT NULL REFERENCES tool_calls (id) ON DELETE CASCADE,
    tool           TEXT NOT NULL,
    input          TEXT NOT NULL,
    risk           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    requested_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    decided_by     TEXT,
    decided_at     BIGINT,
    decision       TEXT CHECK (decision IN ('allow_once', 'always_allow', 'edit', 'deny', 'expired')),
    message        TEXT,
    edited_input   TEXT,
    rule_id        TEXT
);
CREATE INDEX approvals_pending ON approvals (workspace_id, status, requested_at);
CREATE INDEX approvals_expiry ON approvals (status, expires_at);
