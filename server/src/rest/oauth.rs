//! OAuth over REST: providers (admins), the caller's own connections, and
//! the accounts an agent needs. Connecting itself happens in a browser
//! (`/oauth/connect/{provider}`), since the person must be at the provider.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use bosun_service::ids::AgentId;
use bosun_service::oauth::providers::ProviderInput;
use bosun_wire::list::List;
use bosun_wire::oauth::{Connection, ConnectionNeed, OAuthProvider};
use serde::Deserialize;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;
use crate::http::oauth::host;

/// A provider to add or change. Endpoints left out are discovered from the
/// issuer; on change, a missing `client_secret` keeps the stored one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderBody {
    /// The machine name agents ask for; fixed once created.
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub issuer: Option<String>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub revocation_url: Option<String>,
    pub client_id: String,
    /// Write-only: never returned.
    pub client_secret: Option<String>,
    /// Space-separated.
    #[serde(default)]
    pub scopes: String,
    #[serde(default)]
    pub login_enabled: bool,
    #[serde(default)]
    pub login_creates_users: bool,
}

impl From<ProviderBody> for ProviderInput {
    fn from(body: ProviderBody) -> Self {
        Self {
            name: body.name.unwrap_or_default(),
            display_name: body.display_name.unwrap_or_default(),
            issuer: body.issuer,
            authorize_url: body.authorize_url,
            token_url: body.token_url,
            revocation_url: body.revocation_url,
            client_id: body.client_id,
            client_secret: body.client_secret.map(Zeroizing::new),
            scopes: body.scopes,
            login_enabled: body.login_enabled,
            login_creates_users: body.login_creates_users,
        }
    }
}

/// The scopes an agent needs from a provider.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedBody {
    /// Space-separated.
    #[serde(default)]
    pub scopes: String,
}

/// Every OAuth provider (admins); never a client secret.
#[utoipa::path(get, path = "/oauth/providers", tag = "oauth", security(("personal_token" = [])),
    responses((status = 200, body = List<OAuthProvider>), (status = 403, body = ErrorBody)))]
pub async fn list_providers(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<OAuthProvider>>, ApiError> {
    let items = state.bosun.list_oauth_providers(&principal).await?;
    Ok(Json(items.into_iter().collect()))
}

/// Adds a provider (admins).
#[utoipa::path(post, path = "/oauth/providers", tag = "oauth", security(("personal_token" = [])),
    request_body = ProviderBody,
    responses((status = 201, body = OAuthProvider), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_provider(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ProviderBody>,
) -> Result<(StatusCode, Json<OAuthProvider>), ApiError> {
    let provider = state
        .bosun
        .create_oauth_provider(&principal, body.into(), host(&headers))
        .await?;
    Ok((StatusCode::CREATED, Json(provider)))
}

/// Changes a provider (admins).
#[utoipa::path(put, path = "/oauth/providers/{name}", tag = "oauth",
    params(("name" = String, Path, description = "The OAuth provider's name")), security(("personal_token" = [])),
    request_body = ProviderBody,
    responses((status = 200, body = OAuthProvider), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_provider(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(name): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ProviderBody>,
) -> Result<Json<OAuthProvider>, ApiError> {
    let provider = state
        .bosun
        .update_oauth_provider(&principal, &name, body.into(), host(&headers))
        .await?;
    Ok(Json(provider))
}

/// Removes a provider with every connection to it (admins).
#[utoipa::path(delete, path = "/oauth/providers/{name}", tag = "oauth",
    params(("name" = String, Path, description = "The OAuth provider's name")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_provider(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.bosun.delete_oauth_provider(&principal, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's connection to every provider; never a token.
#[utoipa::path(get, path = "/me/connections", tag = "oauth", security(("personal_token" = [])),
    responses((status = 200, body = List<Connection>)))]
pub async fn list_connections(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<Connection>>, ApiError> {
    let items = state.bosun.list_connections(&principal).await?;
    Ok(Json(items.into_iter().map(Connection::from).collect()))
}

/// Disconnects the caller's account, revoking it at the provider.
#[utoipa::path(delete, path = "/me/connections/{provider}", tag = "oauth",
    params(("provider" = String, Path, description = "The OAuth provider's name")),
    security(("personal_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn disconnect(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(provider): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.bosun.disconnect(&principal, &provider).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The accounts an agent needs from whoever runs it.
#[utoipa::path(get, path = "/agents/{id}/connections", tag = "oauth",
    params(("id" = String, Path, description = "The agent's id")),
    security(("personal_token" = [])),
    responses((status = 200, body = List<ConnectionNeed>), (status = 404, body = ErrorBody)))]
pub async fn list_needs(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<ConnectionNeed>>, ApiError> {
    let items = state
        .bosun
        .connection_needs(&principal, &AgentId::parse(&id)?)
        .await?;
    Ok(Json(List::complete(items)))
}

/// Declares that the agent needs an account at a provider, with scopes
/// (editors).
#[utoipa::path(put, path = "/agents/{id}/connections/{provider}", tag = "oauth",
    params(("id" = String, Path, description = "The agent's id"), ("provider" = String, Path, description = "The OAuth provider's name")),
    security(("personal_token" = [])), request_body = NeedBody,
    responses((status = 200, body = List<ConnectionNeed>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_need(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, provider)): Path<(String, String)>,
    ApiJson(body): ApiJson<NeedBody>,
) -> Result<Json<List<ConnectionNeed>>, ApiError> {
    let items = state
        .bosun
        .set_connection_need(
            &principal,
            &AgentId::parse(&id)?,
            &provider,
            Some(&body.scopes),
        )
        .await?;
    Ok(Json(List::complete(items)))
}

/// Drops an account the agent needed (editors).
#[utoipa::path(delete, path = "/agents/{id}/connections/{provider}", tag = "oauth",
    params(("id" = String, Path, description = "The agent's id"), ("provider" = String, Path, description = "The OAuth provider's name")),
    security(("personal_token" = [])),
    responses((status = 200, body = List<ConnectionNeed>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn drop_need(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, provider)): Path<(String, String)>,
) -> Result<Json<List<ConnectionNeed>>, ApiError> {
    let items = state
        .bosun
        .set_connection_need(&principal, &AgentId::parse(&id)?, &provider, None)
        .await?;
    Ok(Json(List::complete(items)))
}
