//! Webhooks over REST (admins): register one (its secret is answered this
//! once), list them, remove one, and read a webhook's delivery log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::ids::WebhookId;
use bosun_service::notifications::webhooks::NewWebhook;
use bosun_wire::list::List;
use bosun_wire::webhooks::{CreatedWebhook, Delivery, Webhook};
use serde::Deserialize;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

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

/// Registers a webhook (admins); the answer holds its secret, never shown again.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = WebhookInput,
    security(("personal_token" = [])),
    responses((status = 201, body = CreatedWebhook), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<(StatusCode, Json<CreatedWebhook>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The workspace's webhooks (admins).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", security(("personal_token" = [])),
    responses((status = 200, body = List<Webhook>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<Webhook>>, ApiError> {
    let webhooks = state.bosun.list_webhooks(&principal).await?;
    Ok(Json(webhooks.into_iter().map(Webhook::from).collect()))
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
    responses((status = 200, body = List<Delivery>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<Delivery>>, ApiError> {
    // Not parsed here, as in `delete`.
    let deliveries = state
        .bosun
        .webhook_deliveries(&principal, &WebhookId::from_string(id))
        .await?;
    Ok(Json(deliveries.into_iter().map(Delivery::from).collect()))
}
