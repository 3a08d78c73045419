-- Decisions at the speed of the store.
--
-- The full-text index stays the GIN index over the words of `data` that
-- 0005 made, which PostgreSQL keeps up to date within each insert (there is
-- no trigger to drop here). The runtime benchmark's store ceiling compares
-- it with a generated and with a computed `tsvector` column.

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

CREATE FUNCTION access_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE access_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

-- Counted when the change commits (a deferred constraint trigger), after
-- the event recording it has taken its place in the chain: every writer
-- then takes the chain's head before this row, never the other way round,
-- so the two cannot deadlock; and the decision writer, which takes the
-- head before it reads this row, sees a change exactly when the change's
-- event comes before its own.
-- A key's last use is written with every batch of decisions and changes
-- nothing a decision relies on; every other change of a key counts.
CREATE CONSTRAINT TRIGGER access_version_key_changed
    AFTER UPDATE OF revoked_at, created_by, agent_id, workspace_id, key_hash OR DELETE ON runtime_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
CREATE CONSTRAINT TRIGGER access_version_user_changed AFTER UPDATE OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
CREATE CONSTRAINT TRIGGER access_version_grant_changed AFTER INSERT OR UPDATE OR DELETE ON agent_grants
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
CREATE CONSTRAINT TRIGGER access_version_agent_changed AFTER UPDATE OR DELETE ON agents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
CREATE CONSTRAINT TRIGGER access_version_workspace_changed AFTER UPDATE ON workspaces
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
CREATE CONSTRAINT TRIGGER access_version_run_changed AFTER UPDATE OR DELETE ON runs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
CREATE CONSTRAINT TRIGGER access_version_allowance_changed AFTER INSERT OR UPDATE OR DELETE ON run_allowances
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
CREATE CONSTRAINT TRIGGER access_version_credential_issued AFTER INSERT OR DELETE ON run_issued_credentials
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION access_version_bump();
