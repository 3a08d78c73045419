//! Webhooks over REST (admins): register one (its secret is answered this
//! once), list them, remove one, and read a webhook's delivery log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::ids::WebhookId;
use bosun_service::notifications::webhooks::{DeliveryInfo, NewWebhook, WebhookInfo};
use bosun_wire::list::List;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// A webhook: never its secret, and of its URL only scheme, host and port.
#[derive(Serialize, ToSchema)]
pub struct WebhookBody {
    pub id: String,
    #[schema(example = "https://hooks.slack.com/…")]
    pub url: String,
    /// `generic` or `slack`.
    pub kind: String,
    /// Among `approval.requested`, `approval.resolved`, `approval.expired`,
    /// `run.finished`, `run.failed`.
    pub events: Vec<String>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<WebhookInfo> for WebhookBody {
    fn from(webhook: WebhookInfo) -> Self {
        Self {
            id: webhook.id.to_string(),
            url: webhook.url,
            kind: webhook.kind,
            events: webhook.events,
            created_by: webhook.created_by,
            created_at: webhook.created_at,
        }
    }
}

/// A webhook just created, with the secret its deliveries are signed with:
/// shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhookBody {
    #[serde(flatten)]
    pub webhook: WebhookBody,
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// An http or https URL Bosun may reach (the outbound guard applies).
    url: String,
    events: Vec<String>,
    /// `generic` (the default) or `slack`.
    #[serde(default)]
    kind: Option<String>,
    /// 16 to 256 characters; generated when left out.
    #[serde(default)]
    secret: Option<String>,
}

/// One delivery of an event to a webhook.
#[derive(Serialize, ToSchema)]
pub struct DeliveryBody {
    pub id: String,
    pub event: String,
    /// `pending`, `delivered` or `failed` (given up after an hour).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The HTTP status the receiver last answered.
    pub last_status: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<DeliveryInfo> for DeliveryBody {
    fn from(delivery: DeliveryInfo) -> Self {
        Self {
            id: delivery.id,
            event: delivery.event,
            status: delivery.status,
            attempts: delivery.attempts,
            last_error: delivery.last_error,
            last_status: delivery.last_status,
            created_at: delivery.created_at,
            next_attempt_at: delivery.next_attempt_at,
            delivered_at: delivery.delivered_at,
        }
    }
}

/// Registers a webhook (admins); the answer holds its secret, never shown again.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = WebhookInput,
    security(("personal_token" = [])),
    responses((status = 201, body = CreatedWebhookBody), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<(StatusCode, Json<CreatedWebhookBody>), ApiError> {
    let created = state
        .bosun
        .create_webhook(
            &principal,
            NewWebhook {
                url: input.url,
                events: input.events,
                kind: input.kind,
                secret: input.secret.map(Zeroizing::new),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhookBody {
            webhook: created.webhook.into(),
            secret: created.secret.to_string(),
        }),
    ))
}

/// The workspace's webhooks (admins).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", security(("personal_token" = [])),
    responses((status = 200, body = List<WebhookBody>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<WebhookBody>>, ApiError> {
    let webhooks = state.bosun.list_webhooks(&principal).await?;
    Ok(Json(List::complete(
        webhooks.into_iter().map(WebhookBody::from).collect(),
    )))
}

/// Removes a webhook and its deliveries (admins).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // Not parsed here: webhooks are admins' alone, and the service tells
    // anyone else so before it looks the id up (a malformed one is then
    // simply not found).
    state
        .bosun
        .delete_webhook(&principal, &WebhookId::from_string(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's latest deliveries, newest first (admins).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id")), security(("personal_token" = [])),
    responses((status = 200, body = List<DeliveryBody>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<DeliveryBody>>, ApiError> {
    // Not parsed here, as in `delete`.
    let deliveries = state
        .bosun
        .webhook_deliveries(&principal, &WebhookId::from_string(id))
        .await?;
    Ok(Json(List::complete(
        deliveries.into_iter().map(DeliveryBody::from).collect(),
    )))
}
