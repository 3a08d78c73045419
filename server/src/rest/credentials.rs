//! Credentials over REST: an agent's editors write and delete its secrets
//! and see their metadata, never their values; a run of a fixed agent
//! asks for one by name with its runtime key.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::credentials::NewSecret;
use bosun_service::ids::{AgentId, RunId};
use bosun_wire::credentials::Credential;
use bosun_wire::list::List;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::auth::{ApiRunner, ApiUser};
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// A secret to store. The value is never shown again.
#[derive(Deserialize, ToSchema)]
pub struct SecretInput {
    /// Who the secret authenticates as.
    pub service_account: String,
    pub value: String,
}

/// A credential handed to a run.
#[derive(Serialize, ToSchema)]
pub struct IssuedBody {
    pub name: String,
    /// `secret` (a fixed agent's) or `oauth` (the run user's access token).
    pub kind: String,
    pub value: String,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Writes a secret, as a new version when the name exists (editors); a new
/// version keeps the secret's service account (409 `service_account_mismatch`
/// otherwise).
#[utoipa::path(put, path = "/agents/{id}/credentials/{name}", tag = "credentials",
    params(("id" = String, Path, description = "The agent's id"), ("name" = String, Path, description = "The credential's name")),
    security(("personal_token" = [])), request_body = SecretInput,
    responses((status = 200, body = Credential), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn write(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, name)): Path<(String, String)>,
    ApiJson(input): ApiJson<SecretInput>,
) -> Result<Json<Credential>, ApiError> {
    let secret = NewSecret {
        service_account: input.service_account,
        value: Zeroizing::new(input.value),
    };
    let info = state
        .bosun
        .write_credential(&principal, &AgentId::parse(&id)?, &name, secret)
        .await?;
    Ok(Json(info.into()))
}

/// An agent's credentials: metadata for editors, names for the rest.
#[utoipa::path(get, path = "/agents/{id}/credentials", tag = "credentials",
    params(("id" = String, Path, description = "The agent's id")),
    security(("personal_token" = [])),
    responses((status = 200, body = List<Credential>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<Credential>>, ApiError> {
    let items = state
        .bosun
        .list_credentials(&principal, &AgentId::parse(&id)?)
        .await?;
    Ok(Json(items.into_iter().map(Credential::from).collect()))
}

/// Deletes every version of a secret (editors).
#[utoipa::path(delete, path = "/agents/{id}/credentials/{name}", tag = "credentials",
    params(("id" = String, Path, description = "The agent's id"), ("name" = String, Path, description = "The credential's name")),
    security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .delete_credential(&principal, &AgentId::parse(&id)?, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a running run its credential — a fixed agent's secret, or the
/// access token of the user who started it — recorded in the trace by
/// reference first.
#[utoipa::path(post, path = "/runtime/runs/{run}/credentials/{name}", tag = "runtime",
    params(("run" = String, Path, description = "The run's id"), ("name" = String, Path, description = "The credential's name")),
    security(("runtime_key" = []), ("personal_token" = [])),
    responses((status = 200, body = IssuedBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ApiRunner(runner): ApiRunner,
    Path((run, name)): Path<(String, String)>,
) -> Result<Json<IssuedBody>, ApiError> {
    let issued = state
        .bosun
        .issue_credential(&runner, &RunId::parse(&run)?, &name)
        .await?;
    Ok(Json(IssuedBody {
        name: issued.name,
        kind: issued.kind.into(),
        value: issued.value.to_string(),
        expires_at: issued.expires_at,
    }))
}
