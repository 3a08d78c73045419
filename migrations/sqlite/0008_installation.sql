-- The installation's one row: which workspace is the default. Its single
-- possible key lets two processes starting on an empty store agree on one
-- default workspace instead of creating one each.
CREATE TABLE installation (
    singleton             BIGINT PRIMARY KEY CHECK (singleton = 1),
    default_workspace_id  TEXT NOT NULL REFERENCES workspaces (id)
);
INSERT INTO installation (singleton, default_workspace_id)
    SELECT 1, id FROM workspaces ORDER BY created_at, id LIMIT 1;
