//! Runs and runtime keys over REST: starting runs (users, or a fixed
//! agent's own key), listing them, and the keys an agent's worker uses.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::Error;
use bosun_service::ids::{AgentId, RunId, RuntimeKeyId};
use bosun_service::runs::control::RunDetails;
use bosun_service::runs::{Caller, Run};
use bosun_wire::keys::{CreatedRuntimeKey, RuntimeKey};
use bosun_wire::list::List;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{ApiScopedCaller, ApiUser};
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// A run of an agent.
#[derive(Serialize, ToSchema)]
pub struct RunBody {
    pub id: String,
    pub agent_id: String,
    pub status: bosun_wire::vocabulary::RunStatus,
    /// Any JSON value, as the run was started with (null when none was given).
    pub input: serde_json::Value,
    /// Any JSON value the run ended with; null while it runs.
    pub output: Option<serde_json::Value>,
    /// The user who started it; null when the agent's own key did.
    pub started_by: Option<String>,
    /// The runtime key that started it; null when a user did.
    pub started_by_key: Option<String>,
    /// Started by its user's own agent under their token, running at once
    /// rather than claimed by a worker.
    pub interactive: bool,
    /// The interactive run's id on the side of the agent that started it
    /// (a session id); null for other runs.
    pub external_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Run> for RunBody {
    fn from(run: Run) -> Self {
        Self {
            id: run.id.to_string(),
            agent_id: run.agent_id.to_string(),
            status: run.status,
            input: run.input,
            output: run.output,
            started_by: run.started_by,
            started_by_key: run.started_by_key,
            interactive: run.interactive,
            external_id: run.external_id,
            created_at: run.created_at,
            finished_at: run.finished_at,
        }
    }
}

/// A run with what it waits for, who can decide that, and what reviewers
/// allowed for the rest of it.
#[derive(Serialize, ToSchema)]
pub struct RunDetailsBody {
    #[serde(flatten)]
    pub run: RunBody,
    /// Whether the caller may cancel it now (it is queued or running).
    pub may_cancel: bool,
    /// Its requests waiting for a reviewer, oldest first.
    pub waiting: Vec<WaitingBody>,
    /// What reviewers allowed for the rest of the run ("Allow for this run").
    pub allowed_for_run: Vec<RunAllowanceBody>,
}

/// A request of the run waiting for a reviewer.
#[derive(Serialize, ToSchema)]
pub struct WaitingBody {
    pub approval_id: String,
    pub tool: String,
    pub input: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The members who may decide it now; empty when nobody can (then
    /// `nobody_can_decide` is true).
    pub can_be_decided_by: Vec<PersonBody>,
    pub nobody_can_decide: bool,
    /// When nobody can decide it: the page of the setting that would
    /// change that (an admin lets reviewers decide their own runs'
    /// requests there), `/settings/security`.
    pub setting: Option<String>,
    /// "waiting for approval of <tool>: <input> — can be decided by <names>",
    /// or "… — nobody can decide this".
    pub summary: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonBody {
    pub user_id: String,
    pub name: String,
}

/// Something a reviewer allowed for the rest of the run.
#[derive(Serialize, ToSchema)]
pub struct RunAllowanceBody {
    pub id: String,
    pub tool: String,
    /// The subject as the rules read it: a normalized path or URL, or a
    /// command's words.
    pub subject: String,
    pub approval_id: String,
    pub granted_by: String,
    pub granted_by_name: String,
    pub granted_at: chrono::DateTime<chrono::Utc>,
}

impl From<RunDetails> for RunDetailsBody {
    fn from(details: RunDetails) -> Self {
        Self {
            may_cancel: details.may_cancel,
            waiting: details
                .waiting
                .into_iter()
                .map(|waiting| WaitingBody {
                    summary: waiting.summary(),
                    nobody_can_decide: waiting.deciders.is_empty(),
                    setting: waiting
                        .deciders
                        .is_empty()
                        .then(|| "/settings/security".to_owned()),
                    approval_id: waiting.approval_id.to_string(),
                    tool: waiting.tool,
                    input: waiting.input,
                    requested_at: waiting.requested_at,
                    expires_at: waiting.expires_at,
                    can_be_decided_by: waiting
                        .deciders
                        .into_iter()
                        .map(|decider| PersonBody {
                            user_id: decider.user_id,
                            name: decider.name,
                        })
                        .collect(),
                })
                .collect(),
            allowed_for_run: details
                .allowances
                .into_iter()
                .map(|allowance| RunAllowanceBody {
                    granted_at: allowance.granted_at(),
                    id: allowance.id,
                    tool: allowance.tool,
                    subject: allowance.subject,
                    approval_id: allowance.approval_id,
                    granted_by: allowance.granted_by,
                    granted_by_name: allowance.granted_by_name,
                })
                .collect(),
            run: details.run.into(),
        }
    }
}

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
    responses((status = 201, body = RunBody), (status = 200, body = RunBody, description = "The open interactive run of that external id"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ApiScopedCaller(caller): ApiScopedCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RunInput>,
) -> Result<(StatusCode, Json<RunBody>), ApiError> {
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
    responses((status = 200, body = List<RunBody>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<RunBody>>, ApiError> {
    let runs = state
        .bosun
        .list_runs(&principal, &AgentId::parse(&id)?, 100)
        .await?;
    Ok(Json(List::complete(
        runs.into_iter().map(RunBody::from).collect(),
    )))
}

/// One run, with what it waits for and who can decide that, and what was
/// allowed for the rest of it (its starter, the agent's editors, admins).
#[utoipa::path(get, path = "/agents/{id}/runs/{run_id}", tag = "runs",
    params(("id" = String, Path, description = "The agent's id"), ("run_id" = String, Path, description = "The run's id")), security(("personal_token" = [])),
    responses((status = 200, body = RunDetailsBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, run_id)): Path<(String, String)>,
) -> Result<Json<RunDetailsBody>, ApiError> {
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
    responses((status = 200, body = RunDetailsBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, run_id)): Path<(String, String)>,
) -> Result<Json<RunDetailsBody>, ApiError> {
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
