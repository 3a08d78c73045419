//! Runs and runtime keys over REST: starting runs (users, or a fixed
//! agent's own key), listing them, and the keys an agent's worker uses.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::Error;
use bosun_service::ids::{AgentId, RunId, RuntimeKeyId};
use bosun_service::runs::Caller;
use bosun_wire::keys::{CreatedRuntimeKey, RuntimeKey};
use bosun_wire::list::List;
use bosun_wire::runs::{Run, RunDetails};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{ApiScopedCaller, ApiUser};
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunInput {
    /// Any JSON value the agent's worker understands (an object, usually).
    #[serde(default)]
    input: serde_json::Value,
    /// Start an interactive run: the caller's own agent runs it under the
    /// caller's token, at once, with no worker claiming it.
    #[serde(default)]
    interactive: bool,
    /// For an interactive run (required then): the agent's own id for it,
    /// such as a session id. While that run is open, starting it again
    /// answers the same run (200 instead of 201).
    #[schema(example = "5f1c0c7e-session")]
    external_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    #[schema(example = "ci worker")]
    name: String,
}

/// Starts a run (run access or more; or the agent's own key if it acts as
/// a fixed service account). With `interactive: true` and an
/// `external_id`, starts the caller's own interactive run, or answers the
/// one they have open under that id (200).
#[utoipa::path(post, path = "/agents/{id}/runs", tag = "runs",
    params(("id" = String, Path, description = "The agent's id")), request_body = RunInput,
    security(("personal_token" = []), ("runtime_key" = [])),
    responses((status = 201, body = Run), (status = 200, body = Run, description = "The open interactive run of that external id"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ApiScopedCaller(caller): ApiScopedCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RunInput>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    let agent = AgentId::parse(&id)?;
    if !input.interactive {
        if input.external_id.is_some() {
            return Err(Error::invalid(
                "external_id",
                "is only for an interactive run (\"interactive\": true)",
            )
            .into());
        }
        let run = state.bosun.start_run(&caller, &agent, input.input).await?;
        return Ok((StatusCode::CREATED, Json(run.into())));
    }
    let Caller::User(principal) = caller else {
        return Err(Error::forbidden(
            "an interactive run is started with the token of the person it runs for, not a runtime key",
        )
        .into());
    };
    let external_id = input
        .external_id
        .ok_or_else(|| Error::invalid("external_id", "is required for an interactive run"))?;
    let (run, created) = state
        .bosun
        .start_interactive_run(&principal, &agent, &external_id, input.input)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(run.into())))
}

/// The agent's runs the caller may see: their own, or all for editors.
#[utoipa::path(get, path = "/agents/{id}/runs", tag = "runs",
    params(("id" = String, Path, description = "The agent's id")), security(("personal_token" = [])),
    responses((status = 200, body = List<Run>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<Run>>, ApiError> {
    let runs = state
        .bosun
        .list_runs(&principal, &AgentId::parse(&id)?, 100)
        .await?;
    Ok(Json(List::complete(
        runs.into_iter().map(Run::from).collect(),
    )))
}

/// One run, with what it waits for and who can decide that, and what was
/// allowed for the rest of it (its starter, the agent's editors, admins).
#[utoipa::path(get, path = "/agents/{id}/runs/{run_id}", tag = "runs",
    params(("id" = String, Path, description = "The agent's id"), ("run_id" = String, Path, description = "The run's id")), security(("personal_token" = [])),
    responses((status = 200, body = RunDetails), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, run_id)): Path<(String, String)>,
) -> Result<Json<RunDetails>, ApiError> {
    let details = state
        .bosun
        .run_details(
            &principal,
            Some(&AgentId::parse(&id)?),
            &RunId::parse(&run_id)?,
        )
        .await?;
    Ok(Json(details.into()))
}

/// Cancels a queued or running run (its starter — for a run a runtime key
/// started, the key's creator —, the agent's editors, admins): it ends
/// `cancelled`, each waiting call is answered `deny` ("run cancelled by
/// …") and its requests leave the inbox. A run that already ended answers
/// 409 `run_not_active`, naming its status.
#[utoipa::path(post, path = "/agents/{id}/runs/{run_id}/cancel", tag = "runs",
    params(("id" = String, Path, description = "The agent's id"), ("run_id" = String, Path, description = "The run's id")), security(("personal_token" = [])),
    responses((status = 200, body = RunDetails), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, run_id)): Path<(String, String)>,
) -> Result<Json<RunDetails>, ApiError> {
    let details = state
        .bosun
        .cancel_run(&principal, &AgentId::parse(&id)?, &RunId::parse(&run_id)?)
        .await?;
    Ok(Json(details.into()))
}

/// Creates a runtime key for the agent's worker (its owner and workspace admins).
#[utoipa::path(post, path = "/agents/{id}/keys", tag = "runs",
    params(("id" = String, Path, description = "The agent's id")), request_body = KeyInput,
    security(("personal_token" = [])),
    responses((status = 201, body = CreatedRuntimeKey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_key(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<KeyInput>,
) -> Result<(StatusCode, Json<CreatedRuntimeKey>), ApiError> {
    let created = state
        .bosun
        .create_runtime_key(&principal, &AgentId::parse(&id)?, &input.name)
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The agent's unrevoked runtime keys, never their values (its owner and
/// workspace admins).
#[utoipa::path(get, path = "/agents/{id}/keys", tag = "runs",
    params(("id" = String, Path, description = "The agent's id")), security(("personal_token" = [])),
    responses((status = 200, body = List<RuntimeKey>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_keys(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<RuntimeKey>>, ApiError> {
    let keys = state
        .bosun
        .list_runtime_keys(&principal, &AgentId::parse(&id)?)
        .await?;
    Ok(Json(keys.into_iter().map(RuntimeKey::from).collect()))
}

/// Revokes a runtime key (its agent's owner and workspace admins).
#[utoipa::path(delete, path = "/agents/{id}/keys/{key_id}", tag = "runs",
    params(("id" = String, Path, description = "The agent's id"), ("key_id" = String, Path, description = "The runtime key's id")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, key_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .revoke_runtime_key(
            &principal,
            &AgentId::parse(&id)?,
            &RuntimeKeyId::parse(&key_id)?,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
