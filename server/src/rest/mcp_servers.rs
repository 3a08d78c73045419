//! Remote MCP servers over REST: admins register, change and remove the
//! upstream servers Bosun may reach (`/api/v1/mcp-servers`), an agent's
//! editors attach them to the agent (`/api/v1/agents/{id}/remote-mcp-servers`),
//! and MCP clients then reach each at `/mcp/{agent}/{name}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::ids::AgentId;
use bosun_service::integrations::remote_mcp::{RemoteServerDraft, RemoteServerPatch, UpstreamAuth};
use bosun_wire::list::List;
use bosun_wire::mcp_servers::{AgentRemoteServer, RemoteServer};
use serde::Deserialize;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// How Bosun authenticates to the upstream, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthInput {
    /// `none`, `header` (a stored secret sent as the header `header`) or
    /// `oauth` (the run's user's connection to `provider`).
    pub kind: String,
    /// For `header`: the header's name, e.g. `Authorization` or `X-Api-Key`.
    pub header: Option<String>,
    /// For `header`: its value, write-only: never returned, logged or traced.
    pub value: Option<String>,
    /// For `oauth`: the name of one of the workspace's OAuth providers.
    pub provider: Option<String>,
}

impl TryFrom<AuthInput> for UpstreamAuth {
    type Error = ApiError;

    fn try_from(input: AuthInput) -> Result<Self, ApiError> {
        let unexpected = |field: &'static str, kind: &str| {
            ApiError(bosun_service::Error::invalid(
                field,
                format!("is not taken with kind {kind}"),
            ))
        };
        match input.kind.as_str() {
            "none" => {
                if input.header.is_some() || input.value.is_some() {
                    return Err(unexpected("auth.header", "none"));
                }
                if input.provider.is_some() {
                    return Err(unexpected("auth.provider", "none"));
                }
                Ok(Self::None)
            }
            "header" => {
                if input.provider.is_some() {
                    return Err(unexpected("auth.provider", "header"));
                }
                Ok(Self::Header {
                    name: input.header.unwrap_or_default(),
                    value: Zeroizing::new(input.value.unwrap_or_default()),
                })
            }
            "oauth" => {
                if input.header.is_some() || input.value.is_some() {
                    return Err(unexpected("auth.header", "oauth"));
                }
                Ok(Self::OAuth {
                    provider: input.provider.unwrap_or_default(),
                })
            }
            _ => Err(ApiError(bosun_service::Error::invalid(
                "auth.kind",
                "must be one of: none, header, oauth",
            ))),
        }
    }
}

/// A server to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServerBody {
    /// 1 to 32 lower-case letters, digits or single underscores: part of
    /// the gateway's URL and of the tools' names, `mcp__<name>__<tool>`.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The server's Streamable HTTP endpoint (the outbound guard applies).
    pub url: String,
    pub auth: AuthInput,
    /// How long a call to it may take, 1 to 600 (30 unless given).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

/// A change: only the fields given change; `auth` is replaced whole.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerPatchBody {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub auth: Option<AuthInput>,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

/// Registers an upstream MCP server (admins).
#[utoipa::path(post, path = "/mcp-servers", tag = "mcp", request_body = NewServerBody,
    security(("personal_token" = [])),
    responses((status = 201, body = RemoteServer), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<NewServerBody>,
) -> Result<(StatusCode, Json<RemoteServer>), ApiError> {
    let draft = RemoteServerDraft {
        name: input.name,
        description: input.description,
        url: input.url,
        auth: input.auth.try_into()?,
        timeout_seconds: input.timeout_seconds,
    };
    let server = state
        .bosun
        .create_remote_mcp_server(&principal, draft)
        .await?;
    Ok((StatusCode::CREATED, Json(server.into())))
}

/// The workspace's registered servers (any member; URLs in full and the
/// agents using each for admins only).
#[utoipa::path(get, path = "/mcp-servers", tag = "mcp", security(("personal_token" = [])),
    responses((status = 200, body = List<RemoteServer>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<RemoteServer>>, ApiError> {
    let servers = state.bosun.list_remote_mcp_servers(&principal).await?;
    Ok(Json(List::complete(
        servers.into_iter().map(RemoteServer::from).collect(),
    )))
}

/// One registered server.
#[utoipa::path(get, path = "/mcp-servers/{name}", tag = "mcp", params(("name" = String, Path, description = "The registered server's name")), security(("personal_token" = [])),
    responses((status = 200, body = RemoteServer), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(name): Path<String>,
) -> Result<Json<RemoteServer>, ApiError> {
    Ok(Json(
        state
            .bosun
            .remote_mcp_server(&principal, &name)
            .await?
            .into(),
    ))
}

/// Changes a server (admins).
#[utoipa::path(patch, path = "/mcp-servers/{name}", tag = "mcp", params(("name" = String, Path, description = "The registered server's name")), request_body = ServerPatchBody,
    security(("personal_token" = [])),
    responses((status = 200, body = RemoteServer), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(name): Path<String>,
    ApiJson(input): ApiJson<ServerPatchBody>,
) -> Result<Json<RemoteServer>, ApiError> {
    let patch = RemoteServerPatch {
        description: input.description,
        url: input.url,
        auth: input.auth.map(TryInto::try_into).transpose()?,
        timeout_seconds: input.timeout_seconds,
    };
    Ok(Json(
        state
            .bosun
            .update_remote_mcp_server(&principal, &name, patch)
            .await?
            .into(),
    ))
}

/// Removes a server (admins): no agent reaches it any more.
#[utoipa::path(delete, path = "/mcp-servers/{name}", tag = "mcp", params(("name" = String, Path, description = "The registered server's name")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .delete_remote_mcp_server(&principal, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The remote servers the agent may use (anyone who may see the agent).
#[utoipa::path(get, path = "/agents/{id}/remote-mcp-servers", tag = "mcp", params(("id" = String, Path, description = "The agent's id")),
    security(("personal_token" = [])),
    responses((status = 200, body = List<AgentRemoteServer>), (status = 404, body = ErrorBody)))]
pub async fn list_for_agent(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(agent): Path<String>,
) -> Result<Json<List<AgentRemoteServer>>, ApiError> {
    let servers = state
        .bosun
        .agent_remote_mcp_servers(&principal, &AgentId::parse(&agent)?)
        .await?;
    Ok(Json(List::complete(
        servers.into_iter().map(AgentRemoteServer::from).collect(),
    )))
}

/// Lets the agent use a registered server (its editors).
#[utoipa::path(put, path = "/agents/{id}/remote-mcp-servers/{name}", tag = "mcp", params(("id" = String, Path, description = "The agent's id"), ("name" = String, Path, description = "The registered server's name")),
    security(("personal_token" = [])),
    responses((status = 200, body = AgentRemoteServer), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((agent, name)): Path<(String, String)>,
) -> Result<Json<AgentRemoteServer>, ApiError> {
    Ok(Json(
        state
            .bosun
            .attach_remote_mcp_server(&principal, &AgentId::parse(&agent)?, &name)
            .await?
            .into(),
    ))
}

/// Stops the agent from using a server (its editors).
#[utoipa::path(delete, path = "/agents/{id}/remote-mcp-servers/{name}", tag = "mcp", params(("id" = String, Path, description = "The agent's id"), ("name" = String, Path, description = "The registered server's name")),
    security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn detach(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((agent, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .detach_remote_mcp_server(&principal, &AgentId::parse(&agent)?, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
