//! What notifications are made from and kept in: the shared cursor over the
//! event log (`notification_cursor`), the facts an event's notification
//! tells (its run or approval request as they stand now), and the queue of
//! `deliveries`, each leased by the process sending it.

use serde_json::Value;

use super::{Connection, Executor};
use crate::{Backend, Result};

/// An event of the log that may call for notifications.
#[derive(sqlx::FromRow)]
pub(crate) struct LoggedEvent {
    pub seq: i64,
    pub at: i64,
    pub kind: String,
    pub workspace_id: String,
    pub run_id: Option<String>,
    pub data: String,
}

/// An approval request as its notifications tell of it.
#[derive(sqlx::FromRow)]
pub(crate) struct ApprovalFacts {
    pub id: String,
    pub run_id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub tool: String,
    pub input: String,
    pub input_json: i64,
    pub workspace_id: String,
    pub risk: String,
    pub status: String,
    pub expires_at: i64,
    pub started_by: Option<String>,
    pub started_by_name: Option<String>,
}

/// A run as its notifications tell of it.
#[derive(sqlx::FromRow)]
pub(crate) struct RunFacts {
    pub id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub started_by: Option<String>,
    pub started_by_name: Option<String>,
}

/// A delivery this process took to send.
#[derive(sqlx::FromRow)]
pub(crate) struct Claimed {
    pub id: String,
    pub channel: String,
    pub webhook_id: Option<String>,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// The shared cursor and the head of the event log, as committed.
pub(crate) async fn cursor_and_head<'c>(db: impl Executor<'c>) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT notification_cursor.seq, event_chain_head.seq FROM notification_cursor, event_chain_head \
         WHERE notification_cursor.id = 1 AND event_chain_head.id = 1",
    )
    .fetch_one(db)
    .await?)
}

/// The cursor, read inside the transaction that will advance it. On
/// PostgreSQL its row stays locked until then: whoever holds it derives,
/// the others wait and then find the events done (SQLite has one writer).
pub(crate) async fn lock_cursor(conn: &mut Connection, backend: Backend) -> Result<i64> {
    let lock = match backend {
        Backend::Postgres => "SELECT seq FROM notification_cursor WHERE id = 1 FOR UPDATE",
        Backend::Sqlite => "SELECT seq FROM notification_cursor WHERE id = 1",
    };
    Ok(sqlx::query_scalar(lock).fetch_one(conn).await?)
}

/// The sequence number of the log's last event. Appenders hold the head's
/// row until they commit, so every event up to the committed head is there
/// to read.
pub(crate) async fn head(conn: &mut Connection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT seq FROM event_chain_head WHERE id = 1")
            .fetch_one(conn)
            .await?,
    )
}

/// The events after `after` up to `upto` that may call for notifications.
pub(crate) async fn events_between(
    conn: &mut Connection,
    after: i64,
    upto: i64,
) -> Result<Vec<LoggedEvent>> {
    Ok(sqlx::query_as(
        "SELECT seq, at, kind, workspace_id, run_id, data FROM events WHERE seq > $1 AND seq <= $2 \
         AND kind IN ('approval.requested', 'approval.resolved', 'run.finished') ORDER BY seq",
    )
    .bind(after)
    .bind(upto)
    .fetch_all(conn)
    .await?)
}

pub(crate) async fn advance_cursor(conn: &mut Connection, upto: i64) -> Result<()> {
    sqlx::query("UPDATE notification_cursor SET seq = $1 WHERE id = 1")
        .bind(upto)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn run_facts(conn: &mut Connection, run_id: &str) -> Result<Option<RunFacts>> {
    Ok(sqlx::query_as(
        "SELECT runs.id, runs.agent_id, agents.name AS agent_name, runs.started_by, \
         starters.name AS started_by_name FROM runs JOIN agents ON agents.id = runs.agent_id \
         LEFT JOIN users starters ON starters.id = runs.started_by WHERE runs.id = $1",
    )
    .bind(run_id)
    .fetch_optional(conn)
    .await?)
}

pub(crate) async fn approval_facts(
    conn: &mut Connection,
    approval_id: &str,
) -> Result<Option<ApprovalFacts>> {
    Ok(sqlx::query_as(
        "SELECT approvals.id, approvals.run_id, approvals.agent_id, agents.name AS agent_name, approvals.tool, \
         approvals.input, approvals.input_json, approvals.workspace_id, approvals.risk, approvals.status, approvals.expires_at, runs.started_by, starters.name AS started_by_name \
         FROM approvals JOIN agents ON agents.id = approvals.agent_id JOIN runs ON runs.id = approvals.run_id \
         LEFT JOIN users starters ON starters.id = runs.started_by WHERE approvals.id = $1",
    )
    .bind(approval_id)
    .fetch_optional(conn)
    .await?)
}

/// A delivery about to be queued.
pub(crate) struct DeliveryInsert<'a> {
    pub id: &'a str,
    pub event: &'a LoggedEvent,
    /// `webhook` or `email`.
    pub channel: &'a str,
    pub webhook: Option<&'a String>,
    pub recipient: Option<&'a String>,
    /// The event's name as the receiver is told it.
    pub name: &'a str,
    pub payload: &'a Value,
    pub now: i64,
}

/// Queues a delivery unless the event already has one for its webhook or
/// recipient; answers how many it queued.
pub(crate) async fn insert_delivery(
    conn: &mut Connection,
    delivery: DeliveryInsert<'_>,
) -> Result<usize> {
    let inserted = sqlx::query(
        "INSERT INTO deliveries (id, workspace_id, channel, webhook_id, recipient_id, event_seq, event, payload, \
         status, attempts, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9) ON CONFLICT DO NOTHING",
    )
    .bind(delivery.id)
    .bind(&delivery.event.workspace_id)
    .bind(delivery.channel)
    .bind(delivery.webhook.map(String::as_str))
    .bind(delivery.recipient.map(String::as_str))
    .bind(delivery.event.seq)
    .bind(delivery.name)
    .bind(delivery.payload.to_string())
    .bind(delivery.now)
    .execute(conn)
    .await?;
    Ok(usize::try_from(inserted.rows_affected()).unwrap_or(0))
}

/// Takes up to `batch` pending deliveries due at `now` and not leased,
/// leasing them until `lease_until` and counting the attempt. On
/// PostgreSQL, processes claiming at once skip each other's rows.
pub(crate) async fn claim_due(
    conn: &mut Connection,
    backend: Backend,
    lease_until: i64,
    now: i64,
    batch: i64,
) -> Result<Vec<Claimed>> {
    let skip_locked = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    Ok(sqlx::query_as(&format!(
        "UPDATE deliveries SET lease_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $2 \
           AND lease_until <= $2 ORDER BY next_attempt_at, id LIMIT $3{skip_locked}) \
         AND status = 'pending' AND lease_until <= $2 \
         RETURNING id, channel, webhook_id, event, payload, attempts, created_at"
    ))
    .bind(lease_until)
    .bind(now)
    .bind(batch)
    .fetch_all(conn)
    .await?)
}

/// Forgets deliveries sent or given up that were made before `before`;
/// answers how many.
pub(crate) async fn prune(conn: &mut Connection, before: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM deliveries WHERE status <> 'pending' AND created_at < $1")
            .bind(before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Records that the claimed attempt delivered, answered `status` (none for
/// an email).
pub(crate) async fn record_delivered(
    conn: &mut Connection,
    delivery: &Claimed,
    status: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET status = 'delivered', delivered_at = $1, last_status = $2, \
         last_error = NULL, lease_until = 0 WHERE id = $3 AND attempts = $4",
    )
    .bind(now)
    .bind(status)
    .bind(&delivery.id)
    .bind(delivery.attempts)
    .execute(conn)
    .await?;
    Ok(())
}

/// How a failed attempt leaves its delivery.
pub(crate) struct Failure<'a> {
    /// `pending` (tried again at `next_attempt_at`) or `failed` (given up).
    pub status: &'a str,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: String,
}

/// Records that the claimed attempt failed.
pub(crate) async fn record_failed(
    conn: &mut Connection,
    delivery: &Claimed,
    failure: Failure<'_>,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET status = $1, next_attempt_at = $2, last_status = $3, last_error = $4, \
         lease_until = 0 WHERE id = $5 AND attempts = $6",
    )
    .bind(failure.status)
    .bind(failure.next_attempt_at)
    .bind(failure.last_status)
    .bind(failure.last_error)
    .bind(&delivery.id)
    .bind(delivery.attempts)
    .execute(conn)
    .await?;
    Ok(())
}
