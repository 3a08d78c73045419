//! Notifications for pages: webhooks and their delivery logs (Settings →
//! Integrations, admins) and the signed-in person's request emails (My
//! account).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::dates::{Precision, absolute};
use crate::error::AppError;

/// The events a webhook may ask for, with what each means, in the order
/// the form offers them.
pub const WEBHOOK_EVENTS: &[(&str, &str)] = &[
    ("approval.requested", "a request waits for a decision"),
    ("approval.resolved", "a request was decided"),
    ("approval.expired", "a request expired undecided"),
    ("run.finished", "a run ended, however"),
    ("run.failed", "a run failed"),
];

/// A webhook as admins see it: never its secret, and of its URL only the
/// scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub kind: String,
    pub events: Vec<String>,
    pub created: String,
}

/// A webhook just added, with the secret shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhookView {
    pub webhook: WebhookView,
    pub secret: String,
}

/// One delivery in a webhook's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub last_status: Option<i64>,
    pub created: String,
    pub next_attempt: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<bosun_service::notifications::webhooks::WebhookInfo> for WebhookView {
    fn from(webhook: bosun_service::notifications::webhooks::WebhookInfo) -> Self {
        Self {
            id: webhook.id.to_string(),
            url: webhook.url,
            kind: webhook.kind,
            events: webhook.events,
            created: absolute(webhook.created_at, Precision::Second),
        }
    }
}

#[server(prefix = "/fn", endpoint = "webhooks/list")]
pub async fn list_webhooks() -> Result<Vec<WebhookView>, AppError> {
    use super::ssr::{bosun, principal};

    let webhooks = bosun()?.list_webhooks(&principal().await?).await?;
    Ok(webhooks.into_iter().map(WebhookView::from).collect())
}

/// The webhook form's fields (named `fields[…]`); each event is a checkbox,
/// present when ticked.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WebhookFields {
    pub url: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub secret: String,
    pub approval_requested: Option<String>,
    pub approval_resolved: Option<String>,
    pub approval_expired: Option<String>,
    pub run_finished: Option<String>,
    pub run_failed: Option<String>,
}

#[server(prefix = "/fn", endpoint = "webhooks/create")]
pub async fn create_webhook(fields: WebhookFields) -> Result<NewWebhookView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::notifications::webhooks::NewWebhook;

    let ticked = [
        ("approval.requested", &fields.approval_requested),
        ("approval.resolved", &fields.approval_resolved),
        ("approval.expired", &fields.approval_expired),
        ("run.finished", &fields.run_finished),
        ("run.failed", &fields.run_failed),
    ];
    let events = ticked
        .iter()
        .filter(|(_, box_)| box_.is_some())
        .map(|(event, _)| (*event).to_owned())
        .collect();
    let created = bosun()?
        .create_webhook(
            &principal().await?,
            NewWebhook {
                url: fields.url,
                events,
                kind: Some(fields.kind).filter(|kind| !kind.is_empty()),
                secret: Some(fields.secret.into()),
            },
        )
        .await?;
    Ok(NewWebhookView {
        webhook: created.webhook.into(),
        secret: created.secret.to_string(),
    })
}

#[server(prefix = "/fn", endpoint = "webhooks/delete")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::WebhookId;

    // Not parsed here: webhooks are admins' alone, and the service tells
    // anyone else so before it looks the id up.
    bosun()?
        .delete_webhook(&principal().await?, &WebhookId::from_string(id))
        .await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "webhooks/deliveries")]
pub async fn webhook_deliveries(id: String) -> Result<Vec<DeliveryView>, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::WebhookId;

    // Not parsed here, as in `delete_webhook`.
    let deliveries = bosun()?
        .webhook_deliveries(&principal().await?, &WebhookId::from_string(id))
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|delivery| DeliveryView {
            id: delivery.id,
            event: delivery.event,
            status: delivery.status,
            attempts: delivery.attempts,
            last_error: delivery.last_error,
            last_status: delivery.last_status,
            created: absolute(delivery.created_at, Precision::Second),
            next_attempt: delivery
                .next_attempt_at
                .map(|at| absolute(at, Precision::Second)),
        })
        .collect())
}

/// Whether the signed-in person is emailed when a request waits for them.
#[server(prefix = "/fn", endpoint = "notifications/email")]
pub async fn email_notifications() -> Result<bool, AppError> {
    use super::ssr::{bosun, principal};

    Ok(bosun()?.email_notifications(&principal().await?).await?)
}

/// Turns the signed-in person's request emails on (`email` present, as a
/// ticked checkbox sends it) or off.
#[server(prefix = "/fn", endpoint = "notifications/set_email")]
pub async fn set_email_notifications(email: Option<String>) -> Result<bool, AppError> {
    use super::ssr::{bosun, principal};

    Ok(bosun()?
        .set_email_notifications(&principal().await?, email.is_some())
        .await?)
}
