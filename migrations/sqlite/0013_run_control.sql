-- A way out of a run and narrower approvals: a run can be cancelled (its
-- pending requests then become `cancelled`), a reviewer can allow a call
-- for the rest of its run (`allow_for_run`), and an agent can have its
-- requests expire sooner than the workspace's do.
--
-- SQLite cannot change a CHECK constraint, so the approvals table is
-- rebuilt with the new status and decisions.

CREATE TABLE approvals_rebuilt (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    agent_id       TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool_call_id   TEXT NOT NULL REFERENCES tool_calls (id) ON DELETE CASCADE,
    tool           TEXT NOT NULL,
    input          TEXT NOT NULL,
    risk           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'withdrawn', 'cancelled')),
    requested_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    decided_by     TEXT,
    decided_at     BIGINT,
    decision       TEXT CHECK (decision IN ('allow_once', 'always_allow', 'allow_for_run', 'edit', 'deny',
                                            'expired', 'withdrawn', 'cancelled')),
    message        TEXT,
    edited_input   TEXT,
    rule_id        TEXT,
    input_json     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO approvals_rebuilt (id, workspace_id, agent_id, run_id, tool_call_id, tool, input, risk, status,
    requested_at, expires_at, decided_by, decided_at, decision, message, edited_input, rule_id, input_json)
SELECT id, workspace_id, agent_id, run_id, tool_call_id, tool, input, risk, status,
    requested_at, expires_at, decided_by, decided_at, decision, message, edited_input, rule_id, input_json
FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_rebuilt RENAME TO approvals;
CREATE INDEX approvals_pending ON approvals (workspace_id, status, requested_at);
CREATE INDEX approvals_expiry ON approvals (status, expires_at);
-- A run's requests, for cancelling it and for its page.
CREATE INDEX approvals_run ON approvals (run_id, status);

-- Who cancelled a run (NULL unless a person did).
ALTER TABLE runs ADD COLUMN cancelled_by TEXT REFERENCES users (id);

-- How long this agent's approval requests wait; NULL: the workspace's.
ALTER TABLE agents ADD COLUMN approval_ttl_seconds BIGINT;

-- "Allow for this run": later calls of the tool with the same normalized
-- subject in the same run are allowed (after the enforced rules).
CREATE TABLE run_allowances (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    run_id        TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool          TEXT NOT NULL,
    -- The subject as the rules match it (normalized by the policy engine).
    subject       TEXT NOT NULL,
    approval_id   TEXT NOT NULL,
    granted_by    TEXT NOT NULL REFERENCES users (id),
    granted_at    BIGINT NOT NULL,
    UNIQUE (run_id, tool, subject)
);
