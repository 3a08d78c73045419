//! Webhooks: URLs an admin registers to hear of approval requests and runs.
//!
//! The URL goes through the outbound guard when it is saved and again at
//! every delivery. It is stored sealed, like the signing secret, since a
//! URL may itself be the secret (a Slack incoming webhook's path is); only
//! its scheme, host and port are ever listed. The secret is shown once,
//! when the webhook is created.

use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;
use url::Url;
use zeroize::Zeroizing;

use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{WebhookId, WorkspaceId};
pub use crate::model::notifications::{DeliveryInfo, WebhookInfo};
use crate::store::webhooks::{self, Order, WebhookInsert, WebhookRow};
use crate::vault::{open_text, seal_text};
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{WebhookCreated, WebhookDeleted};

/// The events a webhook may ask for.
pub const EVENTS: &[&str] = &[
    "approval.requested",
    "approval.resolved",
    "approval.expired",
    "run.finished",
    "run.failed",
];

/// How a delivery is written: Bosun's own JSON, or a Slack message.
pub const KINDS: &[&str] = &["generic", "slack"];

/// How long saving a webhook waits for its host name to resolve.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A generated secret's length, in characters.
const SECRET_CHARS: usize = 40;

/// A webhook as an admin writes it.
#[derive(Clone, Debug, Default)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    /// `generic` when absent.
    pub kind: Option<String>,
    /// Generated when absent.
    pub secret: Option<Zeroizing<String>>,
}

/// A webhook just created: its secret, shown this once.
pub struct CreatedWebhook {
    pub webhook: WebhookInfo,
    pub secret: Zeroizing<String>,
}

/// What sealed parts of a webhook are bound to: a copy in another row
/// does not open.
fn context(workspace: &str, webhook: &str, part: &str) -> String {
    format!("bosun webhook v1\u{1f}{workspace}\u{1f}{webhook}\u{1f}{part}")
}

/// The part of a URL that is safe to list: scheme, host and port, and a
/// mark that more follows.
fn shown(url: &Url) -> String {
    let origin = url.origin().ascii_serialization();
    if url.path() == "/" && url.query().is_none() {
        format!("{origin}/")
    } else {
        format!("{origin}/…")
    }
}

/// The signature of a delivery: hex HMAC-SHA256 of `<timestamp>.<body>`
/// under the webhook's secret, as `X-Bosun-Signature` carries it.
pub fn signature(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Bosun {
    /// Registers a webhook (admins). Answers its secret this once.
    pub async fn create_webhook(
        &self,
        principal: &Principal,
        input: NewWebhook,
    ) -> Result<CreatedWebhook> {
        principal.require_admin()?;
        let url = self.check_outbound_url(input.url.trim()).await?;
        let kind = validate::choice("kind", input.kind.as_deref().unwrap_or("generic"), KINDS)?;
        if input.events.is_empty() {
            return Err(Error::invalid(
                "events",
                format!("must name at least one of: {}", EVENTS.join(", ")),
            ));
        }
        let mut wanted = Vec::new();
        for event in &input.events {
            let event = validate::choice("events", event, EVENTS)?;
            if !wanted.contains(&event) {
                wanted.push(event);
            }
        }
        let secret = match input.secret.filter(|s| !s.trim().is_empty()) {
            Some(secret) => {
                let secret = secret.trim();
                if secret.len() < 16 || secret.len() > 256 || secret.chars().any(char::is_control) {
                    return Err(Error::invalid(
                        "secret",
                        "must be 16 to 256 characters without control characters, or left out to have one generated",
                    ));
                }
                Zeroizing::new(secret.to_owned())
            }
            None => Zeroizing::new(format!(
                "whsec_{}",
                crate::hashed_secrets::random_secret(SECRET_CHARS)
            )),
        };
        let id = WebhookId::generate();
        let workspace = principal.workspace_id.as_str();
        let master = self.master_key()?;
        let url_sealed = seal_text(
            master,
            &context(workspace, id.as_str(), "url"),
            url.as_str(),
        )?;
        let secret_sealed = seal_text(master, &context(workspace, id.as_str(), "secret"), &secret)?;
        let url_shown = shown(&url);
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        let row = WebhookInsert {
            id: &id,
            workspace: &principal.workspace_id,
            url_shown: &url_shown,
            url_sealed: &url_sealed,
            secret_sealed: &secret_sealed,
            kind,
            events: wanted.join(" "),
            created_by: &principal.user_id,
            created_at: to_millis(now),
        };
        webhooks::insert(&mut tx, row).await?;
        events::append(
            &mut tx,
            now,
            NewEvent::audit(
                EventKind::WebhookCreated,
                principal,
                None,
                events::data_of(&WebhookCreated {
                    webhook_id: id.to_string(),
                    url: url_shown.clone(),
                    kind: kind.to_owned(),
                    events: wanted.iter().map(ToString::to_string).collect(),
                })?,
            ),
        )
        .await?;
        tx.commit().await?;
        let webhook = self.webhook_row(&principal.workspace_id, &id).await?.info();
        Ok(CreatedWebhook { webhook, secret })
    }

    /// The workspace's webhooks (admins), oldest first.
    pub async fn list_webhooks(&self, principal: &Principal) -> Result<Vec<WebhookInfo>> {
        principal.require_admin()?;
        let rows = webhooks::of_workspace(
            self.db().pool(),
            principal.workspace_id.as_str(),
            Order::Created,
        )
        .await?;
        Ok(rows.iter().map(WebhookRow::info).collect())
    }

    /// Removes a webhook and its deliveries, sent or not (admins).
    pub async fn delete_webhook(&self, principal: &Principal, id: &WebhookId) -> Result<()> {
        principal.require_admin()?;
        let row = self.webhook_row(&principal.workspace_id, id).await?;
        let mut tx = self.db().begin_write().await?;
        webhooks::delete(&mut tx, &row.id).await?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::WebhookDeleted,
                principal,
                None,
                events::data_of(&WebhookDeleted {
                    webhook_id: row.id.clone(),
                    url: row.url_shown.clone(),
                })?,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A webhook's latest deliveries, newest first (admins).
    pub async fn webhook_deliveries(
        &self,
        principal: &Principal,
        id: &WebhookId,
    ) -> Result<Vec<DeliveryInfo>> {
        principal.require_admin()?;
        let row = self.webhook_row(&principal.workspace_id, id).await?;
        webhooks::deliveries(self.db().pool(), &row.id).await
    }

    async fn webhook_row(&self, workspace: &WorkspaceId, id: &WebhookId) -> Result<WebhookRow> {
        webhooks::by_id(self.db().pool(), workspace, id).await
    }

    /// The outbound guard's checks, and the name's addresses too: a name
    /// that points inside is refused now rather than at every delivery. A
    /// name that does not resolve (in time) is let through; each delivery
    /// checks again.
    pub(crate) async fn check_outbound_url(&self, url: &str) -> Result<Url> {
        if url.is_empty() {
            return Err(Error::invalid("url", "is required"));
        }
        if url.len() > 2_000 {
            return Err(Error::invalid("url", "must be at most 2000 characters"));
        }
        let parsed = self.http().check("url", url)?;
        if !self.settings().allow_private_urls
            && let Some(url::Host::Domain(host)) = parsed.host()
            && let Ok(Ok(addresses)) = tokio::time::timeout(
                RESOLVE_TIMEOUT,
                tokio::net::lookup_host((host, parsed.port_or_known_default().unwrap_or(443))),
            )
            .await
            && addresses
                .into_iter()
                .any(|address| !crate::outbound::is_public(address.ip()))
        {
            return Err(Error::invalid(
                "url",
                "its host is a private, loopback or otherwise internal address, which Bosun does not \
                 contact unless BOSUN_ALLOW_PRIVATE_URLS is set",
            ));
        }
        Ok(parsed)
    }

    /// The webhook's URL and secret, opened for a delivery.
    pub(super) fn webhook_target(
        &self,
        webhook: &WebhookRow,
    ) -> Result<(Zeroizing<String>, Zeroizing<String>)> {
        let master = self.master_key()?;
        let url = open_text(
            master,
            &context(&webhook.workspace_id, &webhook.id, "url"),
            &webhook.url_sealed,
            "a webhook's stored URL",
            "delete the webhook and add it again",
        )?;
        let secret = open_text(
            master,
            &context(&webhook.workspace_id, &webhook.id, "secret"),
            &webhook.secret_sealed,
            "a webhook's stored secret",
            "delete the webhook and add it again",
        )?;
        Ok((url, secret))
    }
}

/// A Slack incoming-webhook message for an event: a line of text, and
/// blocks with a button that opens it in Bosun.
pub(super) fn slack_message(event: &str, link: &str, data: &Value) -> Value {
    let agent = data["agent"]["name"].as_str().unwrap_or("an agent");
    let tool = data["tool"].as_str().unwrap_or("a tool");
    let (text, button) = match event {
        "approval.requested" => (
            format!(
                "{agent} asks to use {tool}: {} (risk: {})",
                data["input"].as_str().unwrap_or(""),
                data["risk"]["level"].as_str().unwrap_or("unknown")
            ),
            "Review the request",
        ),
        "approval.expired" => (
            format!("A request of {agent} to use {tool} expired before anyone decided"),
            "Open the request",
        ),
        "approval.resolved" => (
            format!(
                "A request of {agent} to use {tool} was decided: {} ({})",
                data["decision"].as_str().unwrap_or(""),
                data["outcome"].as_str().unwrap_or("")
            ),
            "Open the request",
        ),
        _ => (
            format!(
                "A run of {agent} ended: {}",
                data["status"].as_str().unwrap_or("")
            ),
            "Open the run",
        ),
    };
    // The top-level text is Slack's markup, where `<!channel>` or a
    // `<url|label>` in an agent's input would ping people or disguise a
    // link; escaped, it reads as written. Plain-text blocks parse nothing.
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    json!({
        "text": escaped,
        "mrkdwn": false,
        "blocks": [
            {"type": "section", "text": {"type": "plain_text", "text": text, "emoji": false}},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": button}, "url": link}
            ]}
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_url_keeps_no_path_or_query_that_may_hold_a_secret() {
        let url = |text: &str| Url::parse(text).unwrap();
        assert_eq!(
            shown(&url("https://hooks.slack.com/services/T0/B0/abcdef")),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            shown(&url("https://example.com:8443/?token=abc")),
            "https://example.com:8443/…"
        );
        assert_eq!(shown(&url("https://example.com")), "https://example.com/");
    }

    /// The value a receiver computes by the README's recipe.
    #[test]
    fn the_signature_is_the_hmac_of_the_timestamp_a_dot_and_the_body() {
        assert_eq!(
            signature(b"key", 1_700_000_000, r#"{"a":1}"#),
            // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
            "sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
    }
}
