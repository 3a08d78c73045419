//! Notifications for pages: webhooks and their delivery logs (Settings →
//! Integrations, admins) and the signed-in person's request emails (My
//! account).

pub use bosun_wire::webhooks::{CreatedWebhook, Delivery, Webhook};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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

#[server(prefix = "/fn", endpoint = "webhooks/list")]
pub async fn list_webhooks() -> Result<Vec<Webhook>, AppError> {
    use super::ssr::{bosun, principal};

    let webhooks = bosun()?.list_webhooks(&principal().await?).await?;
    Ok(webhooks.into_iter().map(Webhook::from).collect())
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
pub async fn create_webhook(fields: WebhookFields) -> Result<CreatedWebhook, AppError> {
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
    Ok(created.into())
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
pub async fn webhook_deliveries(id: String) -> Result<Vec<Delivery>, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::WebhookId;

    // Not parsed here, as in `delete_webhook`.
    let deliveries = bosun()?
        .webhook_deliveries(&principal().await?, &WebhookId::from_string(id))
        .await?;
    Ok(deliveries.into_iter().map(Delivery::from).collect())
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
