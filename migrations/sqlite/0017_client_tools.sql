-- A tool call made through a client integration (Claude Code's hooks) is
-- judged as a catalog tool (`tool`) but kept as the client named it: its
-- own tool name here, its whole input in `input`. NULL for calls made
-- through the runtime API, which name the catalog tool themselves.
ALTER TABLE tool_calls ADD COLUMN client_tool TEXT;
