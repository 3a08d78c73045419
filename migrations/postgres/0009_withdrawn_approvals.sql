-- An approval request can be withdrawn: the person its run acts for lost
-- access to the agent (a revoked grant, a deactivated account, a demoted
-- admin) before anyone decided.

ALTER TABLE approvals DROP CONSTRAINT approvals_status_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_status_check
    CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'withdrawn'));
ALTER TABLE approvals DROP CONSTRAINT approvals_decision_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_decision_check
    CHECK (decision IN ('allow_once', 'always_allow', 'edit', 'deny', 'expired', 'withdrawn'));

-- Runs started by a runtime key, by key: whose they are decides who may
-- approve their requests and whether they may go on.
CREATE INDEX runs_started_by_key ON runs (started_by_key);
