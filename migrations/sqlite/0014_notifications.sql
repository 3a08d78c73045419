-- Notifications: webhooks an admin registers, emails to the people who may
-- decide a request, and the durable queue both are delivered from.
-- Deliveries are derived from the event log by whichever server process
-- advances `notification_cursor` first; unique keys keep each event to one
-- delivery per webhook and per recipient, whatever the number of processes.

CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    -- The URL as listed: scheme, host and port only, since a path or a
    -- query may hold a secret (Slack's do). The whole URL is sealed.
    url_shown       TEXT NOT NULL,
    url_sealed      TEXT NOT NULL,
    secret_sealed   TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('generic', 'slack')),
    -- The events it wants, space-separated.
    events          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks (workspace_id);

CREATE TABLE notification_cursor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    -- The last event of the log that deliveries were derived from.
    seq  BIGINT NOT NULL
);
-- Events recorded before notifications existed are not announced.
INSERT INTO notification_cursor (id, seq) SELECT 1, seq FROM event_chain_head WHERE id = 1;

CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
    channel          TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    webhook_id       TEXT REFERENCES webhooks (id) ON DELETE CASCADE,
    recipient_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    event_seq        BIGINT NOT NULL,
    -- approval.requested, approval.resolved, approval.expired, run.finished, run.failed
    event            TEXT NOT NULL,
    -- What is sent: the webhook's JSON body, or the email as JSON.
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT,
    -- The HTTP status of the last answer, for webhooks.
    last_status      BIGINT,
    created_at       BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    -- A process sending it holds it until then.
    lease_until      BIGINT NOT NULL DEFAULT 0,
    delivered_at     BIGINT,
    UNIQUE (webhook_id, event_seq, event),
    UNIQUE (recipient_id, event_seq, event)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, created_at);

-- Whether a person gets an email when a request waits for them.
ALTER TABLE users ADD COLUMN email_notifications BIGINT NOT NULL DEFAULT 1;
