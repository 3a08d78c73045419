-- The Traces page's runs list: a workspace's runs, newest first, read a
-- page at a time (and, for members, cut to what they may see).
CREATE INDEX runs_workspace_created ON runs (workspace_id, created_at, id);
