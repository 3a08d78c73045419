-- Searching the trace: the tool and the decision an event is about, kept
-- beside the chained fields (they are read from `data`, which the hash
-- covers), an index per filter, and full-text search over `data`.
ALTER TABLE events ADD COLUMN tool TEXT;
ALTER TABLE events ADD COLUMN decision TEXT;
UPDATE events SET
    tool = json_extract(data, '$.tool'),
    decision = CASE
        WHEN json_extract(data, '$.outcome') IN ('allow', 'deny') THEN json_extract(data, '$.outcome')
        WHEN json_extract(data, '$.decision') IN ('allow', 'deny', 'ask') THEN json_extract(data, '$.decision')
    END
WHERE json_valid(data);

CREATE INDEX events_run ON events (run_id, seq);
CREATE INDEX events_tool ON events (workspace_id, tool, seq);
CREATE INDEX events_decision ON events (workspace_id, decision, seq);
CREATE INDEX events_actor ON events (workspace_id, actor, seq);
CREATE INDEX events_on_behalf_of ON events (workspace_id, on_behalf_of, seq);
CREATE INDEX events_at ON events (workspace_id, at);

CREATE VIRTUAL TABLE events_fts USING fts5(data, content = 'events', content_rowid = 'seq');
INSERT INTO events_fts (events_fts) VALUES ('rebuild');
-- Events are only ever appended, so inserting is the one change to follow.
CREATE TRIGGER events_fts_append AFTER INSERT ON events BEGIN
    INSERT INTO events_fts (rowid, data) VALUES (new.seq, new.data);
END;
