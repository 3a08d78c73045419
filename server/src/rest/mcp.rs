//! An agent's MCP servers over REST: what a gateway (`bosun mcp proxy`)
//! registers before it relays a server, the `tools/list` it has filtered
//! and recorded, and the servers with their tools as the agent page shows
//! them. The calls themselves go through the runtime routes of the
//! gateway's interactive run. Agent tokens work here, for their own agent.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::ids::AgentId;
use bosun_service::integrations::mcp::{McpServerDraft, ServerName, Transport, UpstreamTool};
use bosun_wire::list::List;
use bosun_wire::mcp::{AgentMcpServer, ListedTool, McpServer};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiScopedUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// A server to register for the agent.
#[derive(Deserialize, ToSchema)]
pub struct RegisterServerBody {
    /// 1 to 32 lower-case letters, digits or single underscores, starting
    /// with a letter; unique among the agent's servers.
    name: String,
    #[schema(value_type = Transport)]
    transport: String,
    /// The command line (secret-looking arguments blotted out) or the URL.
    origin: String,
}

/// A server's `tools/list`, as it answered.
#[derive(Deserialize, ToSchema)]
pub struct ListToolsBody {
    /// Each `{name, description?, inputSchema (or input_schema)?,
    /// annotations?}`; at most 500.
    #[schema(value_type = Vec<Object>)]
    tools: Vec<UpstreamTool>,
}

/// Registers the agent's MCP server `name` (run access), or finds it when
/// the same name was registered with the same transport and origin: 201
/// when new, 200 when known. Another server under a name the agent has
/// is 409 `mcp_server_name_taken`.
#[utoipa::path(post, path = "/agents/{id}/mcp-servers", tag = "mcp",
    params(("id" = String, Path, description = "Agent id")),
    request_body = RegisterServerBody, security(("personal_token" = [])),
    responses((status = 201, body = McpServer), (status = 200, body = McpServer),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiScopedUser(principal): ApiScopedUser,
    Path(agent): Path<String>,
    ApiJson(body): ApiJson<RegisterServerBody>,
) -> Result<(StatusCode, Json<McpServer>), ApiError> {
    let draft = McpServerDraft {
        name: ServerName::parse("name", &body.name)?,
        transport: bosun_service::validate::one_of("transport", &body.transport)?,
        origin: body.origin,
    };
    let (server, new) = state
        .bosun
        .register_mcp_server(&principal, &AgentId::parse(&agent)?, draft)
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(server.into())))
}

/// Filters the `tools/list` of the agent's server `name` and records what
/// it brought: tools new to the catalog are added as discovered, and tools
/// new to the agent's server are added to the agent's tools when the
/// caller may edit the agent. `shown` says which the client may see.
#[utoipa::path(post, path = "/agents/{id}/mcp-servers/{name}/tools", tag = "mcp",
    params(("id" = String, Path, description = "Agent id"),
           ("name" = String, Path, description = "The server's name")),
    request_body = ListToolsBody, security(("personal_token" = [])),
    responses((status = 200, body = List<ListedTool>, description = "The listed tools, in the order given"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_tools(
    State(state): State<AppState>,
    ApiScopedUser(principal): ApiScopedUser,
    Path((agent, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<ListToolsBody>,
) -> Result<Json<List<ListedTool>>, ApiError> {
    let server = ServerName::parse("name", &name)?;
    let items = state
        .bosun
        .mcp_list_tools(&principal, &AgentId::parse(&agent)?, &server, &body.tools)
        .await?;
    Ok(Json(items.into_iter().map(ListedTool::from).collect()))
}

/// The agent's MCP servers, most recently seen first, each with its tools
/// and where each stands for the agent (view access).
#[utoipa::path(get, path = "/agents/{id}/mcp-servers", tag = "mcp",
    params(("id" = String, Path, description = "Agent id")),
    security(("personal_token" = [])),
    responses((status = 200, body = List<AgentMcpServer>, description = "The agent's servers with their tools"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiScopedUser(principal): ApiScopedUser,
    Path(agent): Path<String>,
) -> Result<Json<List<AgentMcpServer>>, ApiError> {
    let items = state
        .bosun
        .mcp_servers(&principal, &AgentId::parse(&agent)?)
        .await?;
    Ok(Json(items.into_iter().map(AgentMcpServer::from).collect()))
}
