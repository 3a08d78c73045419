//! Agents over REST: list, create, read, change, delete and clone.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::agents::{AgentDraft, AgentListView, AgentPatch, Capability};
use bosun_service::ids::AgentId;
use bosun_service::validate;
use bosun_wire::agents::Agent;
use bosun_wire::list::List;
use bosun_wire::vocabulary::{CredentialModel, ExecutionMode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, DEFAULT_PAGE, page_size};
use crate::application::AppState;

/// The fields of a new agent; only `name` is required.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    name: String,
    description: Option<String>,
    instructions: Option<String>,
    tools: Option<Vec<String>>,
    #[schema(value_type = Option<ExecutionMode>)]
    execution_mode: Option<String>,
    #[schema(value_type = Option<CredentialModel>)]
    credential_model: Option<String>,
    #[schema(value_type = Option<Object>)]
    settings: Option<serde_json::Value>,
    /// 1 to 2592000 and at most the workspace's; null or absent: the workspace's.
    approval_ttl_seconds: Option<i64>,
}

/// Changes to an agent; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentChanges {
    name: Option<String>,
    description: Option<String>,
    instructions: Option<String>,
    tools: Option<Vec<String>>,
    #[schema(value_type = Option<ExecutionMode>)]
    execution_mode: Option<String>,
    #[schema(value_type = Option<CredentialModel>)]
    credential_model: Option<String>,
    #[schema(value_type = Option<Object>)]
    settings: Option<serde_json::Value>,
    /// 1 to 2592000 and at most the workspace's; null goes back to the
    /// workspace's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    approval_ttl_seconds: Option<Option<i64>>,
    /// Transfers ownership to another member (owner and admins only).
    owner_id: Option<String>,
}

/// A field that may be given as null: present (`Some`, null or not), as
/// opposed to absent (`None`, by `#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl From<AgentInput> for AgentDraft {
    fn from(input: AgentInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
            instructions: input.instructions,
            tools: input.tools,
            execution_mode: input.execution_mode,
            credential_model: input.credential_model,
            settings: input.settings,
            approval_ttl_seconds: input.approval_ttl_seconds,
        }
    }
}

impl From<AgentChanges> for AgentPatch {
    fn from(changes: AgentChanges) -> Self {
        Self {
            name: changes.name,
            description: changes.description,
            instructions: changes.instructions,
            tools: changes.tools,
            execution_mode: changes.execution_mode,
            credential_model: changes.credential_model,
            settings: changes.settings,
            approval_ttl_seconds: changes.approval_ttl_seconds,
            owner_id: changes.owner_id,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `all` (default), `mine` or `shared`.
    #[param(value_type = Option<AgentListView>, inline)]
    view: Option<String>,
    /// Only agents whose name contains this (case-insensitive).
    q: Option<String>,
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
pub struct CloneInput {
    /// The new agent's name (default: "Copy of …").
    name: Option<String>,
}

/// Agents the caller can see, by name.
#[utoipa::path(get, path = "/agents", tag = "agents", params(ListParams), security(("personal_token" = [])),
    responses((status = 200, body = List<Agent>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<List<Agent>>, ApiError> {
    let page = state
        .bosun
        .list_agents(
            &principal,
            match params.view.as_deref() {
                Some(view) => validate::one_of("view", view)?,
                None => AgentListView::All,
            },
            params.q.as_deref(),
            params.cursor.as_deref(),
            page_size(params.limit, DEFAULT_PAGE)?.into(),
        )
        .await?;
    Ok(Json(List::page(
        page.items
            .into_iter()
            .map(|view| view.agent.into())
            .collect(),
        page.next,
    )))
}

/// Creates an agent owned by the caller.
#[utoipa::path(post, path = "/agents", tag = "agents", request_body = AgentInput, security(("personal_token" = [])),
    responses((status = 201, body = Agent), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<AgentInput>,
) -> Result<(StatusCode, Json<Agent>), ApiError> {
    let view = state.bosun.create_agent(&principal, input.into()).await?;
    Ok((StatusCode::CREATED, Json(view.agent.into())))
}

/// One agent (run access or more).
#[utoipa::path(get, path = "/agents/{id}", tag = "agents",
    params(("id" = String, Path, description = "The agent's id")), security(("personal_token" = [])),
    responses((status = 200, body = Agent), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Agent>, ApiError> {
    let view = state
        .bosun
        .agent_for(&principal, &AgentId::parse(&id)?, Capability::View)
        .await?;
    Ok(Json(view.agent.into()))
}

/// Changes an agent (edit access; ownership: owner and admins).
#[utoipa::path(patch, path = "/agents/{id}", tag = "agents",
    params(("id" = String, Path, description = "The agent's id")), request_body = AgentChanges, security(("personal_token" = [])),
    responses((status = 200, body = Agent), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(changes): ApiJson<AgentChanges>,
) -> Result<Json<Agent>, ApiError> {
    let view = state
        .bosun
        .update_agent(&principal, &AgentId::parse(&id)?, changes.into())
        .await?;
    Ok(Json(view.agent.into()))
}

/// Deletes an agent (owner and admins).
#[utoipa::path(delete, path = "/agents/{id}", tag = "agents",
    params(("id" = String, Path, description = "The agent's id")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .delete_agent(&principal, &AgentId::parse(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copies an agent into a new one owned by the caller (clone access or more).
#[utoipa::path(post, path = "/agents/{id}/clone", tag = "agents",
    params(("id" = String, Path, description = "The agent's id")), request_body = CloneInput,
    security(("personal_token" = [])),
    responses((status = 201, body = Agent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn clone(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CloneInput>,
) -> Result<(StatusCode, Json<Agent>), ApiError> {
    let view = state
        .bosun
        .clone_agent(&principal, &AgentId::parse(&id)?, input.name.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(view.agent.into())))
}
