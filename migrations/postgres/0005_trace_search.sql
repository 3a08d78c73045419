-- Searching the trace: the tool and the decision an event is about, kept
-- beside the chained fields (they are read from `data`, which the hash
-- covers), an index per filter, and full-text search over `data`.
ALTER TABLE events ADD COLUMN tool TEXT, ADD COLUMN decision TEXT;
UPDATE events SET
    tool = data::jsonb ->> 'tool',
    decision = CASE
        WHEN data::jsonb ->> 'outcome' IN ('allow', 'deny') THEN data::jsonb ->> 'outcome'
        WHEN data::jsonb ->> 'decision' IN ('allow', 'deny', 'ask') THEN data::jsonb ->> 'decision'
    END
WHERE jsonb_typeof(data::jsonb) = 'object';

CREATE INDEX events_run ON events (run_id, seq);
CREATE INDEX events_tool ON events (workspace_id, tool, seq);
CREATE INDEX events_decision ON events (workspace_id, decision, seq);
CREATE INDEX events_actor ON events (workspace_id, actor, seq);
CREATE INDEX events_on_behalf_of ON events (workspace_id, on_behalf_of, seq);
CREATE INDEX events_at ON events (workspace_id, at);
-- Words are the runs of letters and digits, as SQLite's FTS5 sees them, so
-- a search for `passwd` finds `/etc/passwd` on both stores.
CREATE INDEX events_text ON events
    USING GIN (to_tsvector('simple', regexp_replace(data, '[^[:alnum:]]+', ' ', 'g')));
