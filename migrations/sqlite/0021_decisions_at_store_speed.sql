-- Decisions at the speed of the store.
--
-- The full-text index is fed by the code that appends events, with one
-- multi-row insert per batch in the same transaction, rather than by a
-- trigger statement per row (which cost several times the insert itself).
-- The index keeps everything it holds; only how new events reach it changes.
DROP TRIGGER events_fts_append;

-- What a tool call's decision reads of the store before it is made (its
-- run, the run's agent and workspace, the runtime key, who the run acts
-- for and their grants, the run's allowances and issued credentials) is
-- kept between calls. Every change to any of it counts here, in the
-- transaction that makes it, so the decision writer can tell, inside its
-- own transaction, whether what a decision relied on is still so.
CREATE TABLE access_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO access_version (id, version) VALUES (1, 0);

-- A key's last use is written with every batch of decisions and changes
-- nothing a decision relies on; every other change of a key does.
CREATE TRIGGER access_version_key_changed
    AFTER UPDATE OF revoked_at, created_by, agent_id, workspace_id, key_hash ON runtime_keys
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_key_deleted AFTER DELETE ON runtime_keys
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_user_changed AFTER UPDATE ON users
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_user_deleted AFTER DELETE ON users
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_grant_added AFTER INSERT ON agent_grants
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_grant_changed AFTER UPDATE ON agent_grants
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_grant_deleted AFTER DELETE ON agent_grants
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_agent_changed AFTER UPDATE ON agents
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_agent_deleted AFTER DELETE ON agents
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_workspace_changed AFTER UPDATE ON workspaces
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_run_changed AFTER UPDATE ON runs
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_run_deleted AFTER DELETE ON runs
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_allowance_added AFTER INSERT ON run_allowances
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_allowance_changed AFTER UPDATE ON run_allowances
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_allowance_deleted AFTER DELETE ON run_allowances
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_credential_issued AFTER INSERT ON run_issued_credentials
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER access_version_issued_deleted AFTER DELETE ON run_issued_credentials
    BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END;
