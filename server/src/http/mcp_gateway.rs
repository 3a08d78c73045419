//! `/mcp/{agent_id}/{server_name}`: a remote MCP server an admin
//! registered, served to MCP clients over Streamable HTTP in the protocol's
//! stateless form (rmcp's `StreamableHttpService` without sessions), so
//! any Bosun process answers any request and nothing is kept in memory
//! between them.
//!
//! The bearer token is checked, and the caller's right to this server of
//! this agent, before anything of MCP is read: an unknown token is a 401
//! with `WWW-Authenticate`, an agent or server the caller may not use a
//! 404, an agent token for another agent a 403, all in Bosun's usual error
//! shape. The MCP handler then asks the service
//! ([`bosun_service::integrations::remote_mcp::gateway`]) for each
//! `tools/list` and `tools/call`; the upstream's credential is added there,
//! and the client's token never goes upstream.
//!
//! A runtime key names the run its calls belong to in the `Bosun-Run`
//! header; `?wait=S` (0 to 3600) is how long a call waits for a reviewer
//! (590 seconds unless given).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bosun_service::Bosun;
use bosun_service::ids::{AgentId, RunId};
use bosun_service::integrations::remote_mcp::gateway::{
    CallOutcome, DEFAULT_WAIT, GatewayCaller, MAX_WAIT, RemoteSession,
};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    Implementation, InitializeResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{RoleServer, ServerHandler};
use serde::Deserialize;
use tower::ServiceExt as _;

use crate::application::AppState;
use crate::rest::error::ApiError;
use crate::rest::extract::ApiQuery;

/// The header a runtime key names its run in.
pub const RUN_HEADER: &str = "bosun-run";
/// The largest MCP message taken from a client.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// The MCP service every gateway request goes through.
pub type GatewayService = StreamableHttpService<Gateway, NeverSessionManager>;

/// Builds the service. Hosts are not checked: every request carries a
/// bearer token, which a page rebinding a name to Bosun does not have.
pub fn service() -> GatewayService {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .disable_allowed_hosts()
        .with_max_request_body_bytes(MAX_REQUEST_BYTES)
        .with_sse_keep_alive(Some(Duration::from_secs(15)));
    StreamableHttpService::new(
        || Ok(Gateway),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

#[derive(Deserialize)]
pub struct GatewayParams {
    wait: Option<u64>,
}

/// What the MCP handler needs of one HTTP request.
struct GatewayRequest {
    bosun: Bosun,
    session: RemoteSession,
    wait: Duration,
}

/// One request to the gateway: authenticated and authorized here, then
/// handed to the MCP service.
pub async fn handle(
    State(state): State<AppState>,
    Path((agent, server)): Path<(String, String)>,
    ApiQuery(params): ApiQuery<GatewayParams>,
    mut request: Request,
) -> Response {
    let wait = params
        .wait
        .map_or(DEFAULT_WAIT, Duration::from_secs)
        .min(MAX_WAIT);
    // Read apart from the request, which is not shared across the awaits.
    let headers = request.headers().clone();
    let session = async {
        let caller = caller(&state.bosun, &headers).await?;
        state
            .bosun
            .remote_mcp_session(caller, &AgentId::from_string(agent), &server)
            .await
    }
    .await;
    let session = match session {
        Ok(session) => session,
        Err(error) => return ApiError(error).into_response(),
    };
    request.extensions_mut().insert(Arc::new(GatewayRequest {
        bosun: state.bosun.clone(),
        session,
        wait,
    }));
    match state.mcp_gateway.clone().oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// Who the bearer token stands for: a person (a personal access token or
/// an agent token) or an agent's worker (a runtime key, with its run).
async fn caller(bosun: &Bosun, headers: &HeaderMap) -> bosun_service::Result<GatewayCaller> {
    let token = crate::rest::auth::bearer_of(headers)?;
    if Bosun::is_runtime_key(token) {
        let key = bosun.authenticate_runtime_key(token).await?;
        let run = headers
            .get(RUN_HEADER)
            .map(|value| {
                value
                    .to_str()
                    .map(|run| RunId::from_string(run.trim()))
                    .map_err(|_| bosun_service::Error::invalid("Bosun-Run", "must be a run id"))
            })
            .transpose()?;
        Ok(GatewayCaller::Key { key, run })
    } else {
        Ok(GatewayCaller::Person(
            bosun.authenticate_agent_token(token).await?,
        ))
    }
}

/// The MCP side of the gateway: one per request, holding nothing.
#[derive(Clone, Copy)]
pub struct Gateway;

fn gateway_request(context: &RequestContext<RoleServer>) -> Result<Arc<GatewayRequest>, ErrorData> {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Arc<GatewayRequest>>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("the request reached the gateway unchecked", None))
}

/// A service error as the MCP client reads it.
fn mcp_error(error: bosun_service::Error) -> ErrorData {
    if let bosun_service::Error::Internal(inner) = &error {
        tracing::error!(error = ?inner, "an MCP request failed");
    }
    let message = error.public_message();
    match error {
        bosun_service::Error::InvalidInput { .. } => ErrorData::invalid_params(message, None),
        _ => ErrorData::internal_error(message, None),
    }
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> InitializeResult {
        let mut info = InitializeResult::new(ServerCapabilities::builder().enable_tools().build());
        info.server_info = Implementation::new("bosun", env!("CARGO_PKG_VERSION"));
        info.instructions = Some(
            "Bosun decides each tool call by the organization's rules; a refused call answers why."
                .into(),
        );
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let gateway = gateway_request(&context)?;
        let tools = gateway
            .bosun
            .remote_mcp_list_tools(&gateway.session)
            .await
            .map_err(mcp_error)?;
        let server = gateway.session.server().to_owned();
        let tools = tools
            .into_iter()
            .map(|tool| {
                serde_json::from_value::<Tool>(tool).map_err(|_| {
                    ErrorData::internal_error(
                        format!("the MCP server {server} listed a tool that is not an MCP tool"),
                        None,
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let gateway = gateway_request(&context)?;
        let token = context.meta.get_progress_token();
        let peer = context.peer.clone();
        let progress = move |step: u64, message: String| {
            if let Some(token) = token.clone() {
                let peer = peer.clone();
                let mut param = ProgressNotificationParam::new(token, step as f64);
                param.message = Some(message);
                tokio::spawn(async move {
                    let _ = peer.notify_progress(param).await;
                });
            }
        };
        let arguments = serde_json::Value::Object(request.arguments.unwrap_or_default());
        let outcome = gateway
            .bosun
            .remote_mcp_call_tool(
                &gateway.session,
                &request.name,
                arguments,
                gateway.wait,
                &progress,
            )
            .await
            .map_err(mcp_error)?;
        match outcome {
            CallOutcome::Refused(reason) => Ok(CallToolResult::error(vec![ContentBlock::text(reason)]).into()),
            CallOutcome::Answered(result) => serde_json::from_value::<CallToolResult>(result)
                .map(Into::into)
                .map_err(|_| {
                    ErrorData::internal_error(
                        format!(
                            "the MCP server {} answered a call with something that is not a tool result",
                            gateway.session.server()
                        ),
                        None,
                    )
                }),
        }
    }
}
