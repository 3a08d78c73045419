//! Webhooks as the REST API and Settings → Integrations show them (admins):
//! never a secret except the one answer that creates it, and each
//! webhook's delivery log.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// A webhook: never its secret, and of its URL only scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(example = "https://hooks.slack.com/…"))]
    pub url: String,
    /// `generic` or `slack`.
    pub kind: String,
    /// Among `approval.requested`, `approval.resolved`, `approval.expired`,
    /// `run.finished`, `run.failed`.
    pub events: Vec<String>,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// A webhook just created, with the secret its deliveries are signed with:
/// shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

impl fmt::Debug for CreatedWebhook {
    /// Without the secret, which belongs on the admin's screen only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedWebhook")
            .field("webhook", &self.webhook)
            .finish_non_exhaustive()
    }
}

/// One delivery of an event to a webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: String,
    pub event: String,
    /// `pending`, `delivered` or `failed` (given up after an hour).
    pub status: String,
    pub attempts: i64,
    /// Why the last attempt failed: an HTTP status or a connection error,
    /// never what the receiver answered.
    pub last_error: Option<String>,
    /// The HTTP status the receiver last answered.
    pub last_status: Option<i64>,
    pub created_at: Timestamp,
    pub next_attempt_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
}
