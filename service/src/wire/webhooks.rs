use bosun_wire::webhooks::{CreatedWebhook, Delivery, Webhook};

use crate::notifications::webhooks::{self, DeliveryInfo, WebhookInfo};

impl From<WebhookInfo> for Webhook {
    fn from(webhook: WebhookInfo) -> Self {
        Self {
            id: webhook.id.to_string(),
            url: webhook.url,
            kind: webhook.kind,
            events: webhook.events,
            created_by: webhook.created_by,
            created_at: webhook.created_at.into(),
        }
    }
}

impl From<webhooks::CreatedWebhook> for CreatedWebhook {
    fn from(created: webhooks::CreatedWebhook) -> Self {
        Self {
            webhook: created.webhook.into(),
            secret: created.secret.to_string(),
        }
    }
}

impl From<DeliveryInfo> for Delivery {
    fn from(delivery: DeliveryInfo) -> Self {
        Self {
            id: delivery.id,
            event: delivery.event,
            status: delivery.status,
            attempts: delivery.attempts,
            last_error: delivery.last_error,
            last_status: delivery.last_status,
            created_at: delivery.created_at.into(),
            next_attempt_at: delivery.next_attempt_at.map(Into::into),
            delivered_at: delivery.delivered_at.map(Into::into),
        }
    }
}
