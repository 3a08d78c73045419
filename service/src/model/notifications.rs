//! Webhooks and their deliveries.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::WebhookId;

/// A webhook as it may be listed: never its secret, never more of its URL
/// than scheme, host and port.
#[derive(Clone, Debug, Serialize)]
pub struct WebhookInfo {
    pub id: WebhookId,
    pub url: String,
    pub kind: String,
    pub events: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One delivery of an event to a webhook, as its log shows it.
#[derive(Clone, Debug, Serialize)]
pub struct DeliveryInfo {
    pub id: String,
    pub event: String,
    /// `pending` (waiting for its next attempt), `delivered` or `failed`
    /// (given up on).
    pub status: String,
    pub attempts: i64,
    /// Why the last attempt failed: an HTTP status or a connection error,
    /// never what the receiver answered.
    pub last_error: Option<String>,
    pub last_status: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}
