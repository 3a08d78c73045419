-- A way out of a run and narrower approvals: a run can be cancelled (its
-- pending requests then become `cancelled`), a reviewer can allow a call
-- for the rest of its run (`allow_for_run`), and an agent can have its
-- requests expire sooner than the workspace's do.

ALTER TABLE approvals DROP CONSTRAINT approvals_status_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_status_check
    CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'withdrawn', 'cancelled'));
ALTER TABLE approvals DROP CONSTRAINT approvals_decision_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_decision_check
    CHECK (decision IN ('allow_once', 'always_allow', 'allow_for_run', 'edit', 'deny',
                        'expired', 'withdrawn', 'cancelled'));
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
