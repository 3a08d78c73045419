-- A run keeps the credential model it started with. An agent switched to
-- act as its user afterwards must not hand a run started as a service
-- account's run the starter's own token: they never agreed to that run
-- using their account, and were never asked to connect it.
ALTER TABLE runs ADD COLUMN credential_model TEXT CHECK (credential_model IN ('fixed', 'user'));
UPDATE runs SET credential_model = (SELECT agents.credential_model FROM agents WHERE agents.id = runs.agent_id);
