-- Interactive runs and agent tokens.
--
-- An interactive run is started by a person's own agent (a coding agent, an
-- MCP client) under that person's token: it is running at once, never
-- claimed by a worker, and known by the caller's own id for it
-- (`external_id`, e.g. a session id). While it is open, one person has at
-- most one run of an agent per external id, so that two concurrent starts
-- of the same session make one run.
ALTER TABLE runs ADD COLUMN interactive BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX runs_open_interactive ON runs (agent_id, started_by, external_id)
    WHERE interactive = 1 AND status = 'running';
-- For the sweep that ends abandoned interactive runs.
CREATE INDEX runs_interactive_running ON runs (interactive, status);

-- A token limited to one agent's interactive runs (NULL: a personal access
-- token for everything its owner may do), and when a token stops working
-- (NULL: never).
ALTER TABLE personal_access_tokens ADD COLUMN agent_id TEXT REFERENCES agents (id) ON DELETE CASCADE;
ALTER TABLE personal_access_tokens ADD COLUMN expires_at BIGINT;
