-- The MCP servers an agent reaches its tools through: each known by a name
-- unique among the agent's servers (its tools are `mcp__<name>__<tool>` in
-- the catalog), how it is reached (`stdio`: a command the local proxy
-- starts; `http`: a URL) and where (`origin`: the command line, with
-- secret-looking arguments blotted out, or the URL).
CREATE TABLE mcp_servers (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    agent_id       TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    transport      TEXT NOT NULL CHECK (transport IN ('stdio', 'http')),
    origin         TEXT NOT NULL,
    registered_by  TEXT REFERENCES users (id),
    first_seen_at  BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    UNIQUE (agent_id, name)
);

-- Each tool a server listed, under its own name and the catalog tool it is
-- judged as. A row means the tool was seen for this agent: it is added to
-- the agent's tools only the first time (and only by an editor), so a tool
-- an editor removed stays removed.
CREATE TABLE mcp_server_tools (
    server_id      TEXT NOT NULL REFERENCES mcp_servers (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    catalog_tool   TEXT NOT NULL,
    first_seen_at  BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    PRIMARY KEY (server_id, name)
);

-- A catalog tool an MCP server brought: the server's name, and the
-- annotations it claimed (`readOnlyHint`, `destructiveHint`, …) as JSON.
-- NULL for built-in tools and tools an admin added.
ALTER TABLE tools ADD COLUMN discovered_from TEXT;
ALTER TABLE tools ADD COLUMN annotations TEXT;
