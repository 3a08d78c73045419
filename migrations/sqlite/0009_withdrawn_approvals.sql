-- An approval request can be withdrawn: the person its run acts for lost
-- access to the agent (a revoked grant, a deactivated account, a demoted
-- admin) before anyone decided. SQLite cannot change a CHECK constraint,
-- so the table is rebuilt with the new status and decision.

CREATE TABLE approvals_rebuilt (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    agent_id       TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool_call_id   TEXT NOT NULL REFERENCES tool_calls (id) ON DELETE CASCADE,
    tool           TEXT NOT NULL,
    input          TEXT NOT NULL,
    risk           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'withdrawn')),
    requested_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    decided_by     TEXT,
    decided_at     BIGINT,
    decision       TEXT CHECK (decision IN ('allow_once', 'always_allow', 'edit', 'deny', 'expired', 'withdrawn')),
    message        TEXT,
    edited_input   TEXT,
    rule_id        TEXT
);
INSERT INTO approvals_rebuilt (id, workspace_id, agent_id, run_id, tool_call_id, tool, input, risk, status,
    requested_at, expires_at, decided_by, decided_at, decision, message, edited_input, rule_id)
SELECT id, workspace_id, agent_id, run_id, tool_call_id, tool, input, risk, status,
    requested_at, expires_at, decided_by, decided_at, decision, message, edited_input, rule_id
FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_rebuilt RENAME TO approvals;
CREATE INDEX approvals_pending ON approvals (workspace_id, status, requested_at);
CREATE INDEX approvals_expiry ON approvals (status, expires_at);

-- Runs started by a runtime key, by key: whose they are decides who may
-- approve their requests and whether they may go on.
CREATE INDEX runs_started_by_key ON runs (started_by_key);
