//! The `webhooks` table: each workspace's webhooks, their URL and secret
//! sealed, with the events each wants; and the delivery log a webhook's
//! page shows.

use super::{Connection, Executor};
use crate::clock::from_millis;
use crate::ids::{UserId, WebhookId, WorkspaceId};
use crate::model::notifications::{DeliveryInfo, WebhookInfo};
use crate::{Error, Result};

/// A webhook as stored; its URL and secret still sealed.
#[derive(sqlx::FromRow)]
pub(crate) struct WebhookRow {
    pub id: String,
    pub workspace_id: String,
    pub url_shown: String,
    pub url_sealed: String,
    pub secret_sealed: String,
    pub kind: String,
    events: String,
    created_by: String,
    created_at: i64,
}

const WEBHOOK_COLUMNS: &str =
    "id, workspace_id, url_shown, url_sealed, secret_sealed, kind, events, created_by, created_at";

impl WebhookRow {
    pub(crate) fn info(&self) -> WebhookInfo {
        WebhookInfo {
            id: WebhookId::from_string(self.id.clone()),
            url: self.url_shown.clone(),
            kind: self.kind.clone(),
            events: self.events.split(' ').map(str::to_owned).collect(),
            created_by: self.created_by.clone(),
            created_at: from_millis(self.created_at),
        }
    }

    /// Whether the webhook wants to hear of `event`.
    pub(crate) fn wants(&self, event: &str) -> bool {
        self.events.split(' ').any(|wanted| wanted == event)
    }
}

/// A webhook about to be stored, sealed.
pub(crate) struct WebhookInsert<'a> {
    pub id: &'a WebhookId,
    pub workspace: &'a WorkspaceId,
    pub url_shown: &'a str,
    pub url_sealed: &'a str,
    pub secret_sealed: &'a str,
    pub kind: &'a str,
    /// The events it wants, one space between each.
    pub events: String,
    pub created_by: &'a UserId,
    pub created_at: i64,
}

pub(crate) async fn insert(conn: &mut Connection, webhook: WebhookInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, workspace_id, url_shown, url_sealed, secret_sealed, kind, events, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(webhook.id.as_str())
    .bind(webhook.workspace.as_str())
    .bind(webhook.url_shown)
    .bind(webhook.url_sealed)
    .bind(webhook.secret_sealed)
    .bind(webhook.kind)
    .bind(webhook.events)
    .bind(webhook.created_by.as_str())
    .bind(webhook.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The workspace's webhooks, oldest first.
pub(crate) async fn of_workspace<'c>(
    db: impl Executor<'c>,
    workspace: &str,
    order: Order,
) -> Result<Vec<WebhookRow>> {
    let order = match order {
        Order::Created => "created_at, id",
        Order::Id => "id",
    };
    Ok(sqlx::query_as(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE workspace_id = $1 ORDER BY {order}"
    ))
    .bind(workspace)
    .fetch_all(db)
    .await?)
}

/// How [`of_workspace`] orders the webhooks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Order {
    /// Oldest first, as the settings page lists them.
    Created,
    /// By id, as deliveries are queued.
    Id,
}

/// A webhook of `workspace`.
pub(crate) async fn by_id<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    id: &WebhookId,
) -> Result<WebhookRow> {
    sqlx::query_as(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND workspace_id = $2"
    ))
    .bind(id.as_str())
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?
    .ok_or(Error::NotFound("webhook"))
}

/// The webhook a delivery goes to, in any workspace. The store's own error
/// is answered as it is, for the delivery's log to say what went wrong.
pub(crate) async fn of_delivery<'c>(
    db: impl Executor<'c>,
    id: Option<&str>,
) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Deletes a webhook; its deliveries go with it (`ON DELETE CASCADE`).
pub(crate) async fn delete(conn: &mut Connection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A webhook's latest 200 deliveries, newest first.
pub(crate) async fn deliveries<'c>(
    db: impl Executor<'c>,
    webhook: &str,
) -> Result<Vec<DeliveryInfo>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
        event: String,
        status: String,
        attempts: i64,
        last_error: Option<String>,
        last_status: Option<i64>,
        created_at: i64,
        next_attempt_at: i64,
        delivered_at: Option<i64>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, event, status, attempts, last_error, \
         last_status, created_at, next_attempt_at, delivered_at \
         FROM deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(webhook)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| DeliveryInfo {
            next_attempt_at: (row.status == "pending").then(|| from_millis(row.next_attempt_at)),
            id: row.id,
            event: row.event,
            status: row.status,
            attempts: row.attempts,
            last_error: row.last_error,
            last_status: row.last_status,
            created_at: from_millis(row.created_at),
            delivered_at: row.delivered_at.map(from_millis),
        })
        .collect())
}
