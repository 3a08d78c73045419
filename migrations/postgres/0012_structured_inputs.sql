-- Structured tool inputs. A custom tool may declare a JSON Schema for its
-- object inputs and the JSON pointer of the field its rules match (built-in
-- tools take theirs from the code, so a release can improve them).
ALTER TABLE tools ADD COLUMN input_schema TEXT;
ALTER TABLE tools ADD COLUMN subject TEXT;

-- 1 when `input` (and `final_input`, `edited_input`) hold a JSON object as
-- JSON text; 0 when they hold a string input as it is.
ALTER TABLE tool_calls ADD COLUMN input_json BIGINT NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN input_json BIGINT NOT NULL DEFAULT 0;

-- Each credential value handed to a run, sealed like the secrets it came
-- from: what later tool inputs of the run are redacted against. Never read
-- but to redact.
CREATE TABLE run_issued_credentials (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    issued_at  BIGINT NOT NULL
);
CREATE INDEX run_issued_credentials_run ON run_issued_credentials (run_id);
