//! `/api/v1/me/tokens`: the caller's own tokens — personal access tokens,
//! and agent tokens limited to one agent's interactive runs.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::identity::NewToken;
use bosun_service::ids::{AgentId, TokenId};
use bosun_wire::list::List;
use bosun_wire::tokens::{CreatedToken, Token};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// A token to make.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// A label to recognise it by; for an agent token, defaults to
    /// "agent <its name>".
    #[schema(example = "laptop")]
    name: Option<String>,
    /// Limits the token to this agent's interactive runs (you need run
    /// access to it): it starts them and makes their runtime calls, and
    /// opens nothing else.
    agent_id: Option<String>,
    /// When the token stops working (RFC 3339, in the future, at most a
    /// year away); never when absent.
    #[schema(value_type = Option<String>, example = "2026-12-31T23:59:59Z")]
    expires_at: Option<String>,
}

/// Makes a token for the caller: a personal access token, or with
/// `agent_id` an agent token limited to that agent's interactive runs.
#[utoipa::path(post, path = "/me/tokens", tag = "identity", request_body = TokenInput,
    security(("personal_token" = [])),
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let expires_at = input
        .expires_at
        .as_deref()
        .map(|value| bosun_service::traces::instant("expires_at", value))
        .transpose()?;
    let agent = input.agent_id.map(AgentId::from_string);
    let request = NewToken {
        name: input.name.unwrap_or_default(),
        agent,
        expires_at,
    };
    let created = state.bosun.create_scoped_token(&principal, request).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The caller's tokens, newest first; never their values.
#[utoipa::path(get, path = "/me/tokens", tag = "identity", security(("personal_token" = [])),
    responses((status = 200, body = List<Token>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<Token>>, ApiError> {
    let tokens = state.bosun.list_tokens(&principal).await?;
    Ok(Json(tokens.into_iter().map(Token::from).collect()))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "identity",
    params(("id" = String, Path, description = "The token's id")), security(("personal_token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .revoke_token(&principal, &TokenId::parse(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
