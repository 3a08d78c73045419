//! `bosun mcp proxy`: a local stdio MCP gateway. An MCP client (Claude
//! Desktop, Cursor, an agent) starts it in place of an MCP server; it
//! starts the server (`COMMAND [ARGS…]`, without `BOSUN_TOKEN` in its
//! environment), relays the protocol between the two with the official
//! Rust SDK (`rmcp`), and asks Bosun first, over REST with the token in
//! `BOSUN_TOKEN`: the server's tools are listed through Bosun (only those
//! the agent may call are shown; new ones are discovered into the
//! catalog), and each call is a tool call of an interactive run on the
//! token holder's behalf, one run per proxy process, finished when the
//! client goes away.
//!
//! Only tools are relayed. Resources and prompts read data without a tool
//! call, which no rule would see: the proxy offers neither (fail closed).
//! Whatever goes wrong — the server crashed or does not answer within the
//! timeout, Bosun cannot be reached — the client gets an MCP error or a
//! refused call saying so, never a hang.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bosun_service::integrations::mcp::{
    ServerName, blot_command_line, tool_name, within_time_limit,
};
use bosun_service::runs::tool_calls::ToolCallState;
use reqwest::{Method, StatusCode};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    Implementation, InitializeResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ServerCapabilities, Tool,
};
use rmcp::service::{NotificationContext, Peer, RequestContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, RoleServer, ServerHandler, ServiceExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{Mutex, OnceCell};

/// What `bosun mcp proxy` is given.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    pub agent: String,
    pub name: Option<String>,
    pub url: String,
    pub token: String,
    /// How long the upstream server may take to start and to answer any
    /// one request.
    pub timeout: Duration,
    pub command: Vec<String>,
}

/// How long one REST call to Bosun may take (a wait for a reviewer is
/// made of calls of [`WAIT_SECONDS`]).
const BOSUN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one wait for a reviewer's decision lasts before the proxy asks
/// again (and tells the client it is still waiting).
const WAIT_SECONDS: u64 = 10;

/// Runs the proxy on this process's stdin and stdout until the client
/// disconnects.
pub async fn run(options: ProxyOptions) -> anyhow::Result<()> {
    let options = Arc::new(options);
    let bosun = Bosun::new(&options)?;
    let upstream_name = options.command.join(" ");
    let downstream = Arc::new(OnceCell::new());
    let upstream = start_upstream(&options, Arc::clone(&downstream)).await;
    let proxy = Proxy {
        options: Arc::clone(&options),
        bosun,
        upstream: upstream
            .as_ref()
            .map(|u| u.peer().clone())
            .map_err(Clone::clone),
        upstream_name,
        session: Mutex::new(None),
        downstream: Arc::clone(&downstream),
    };
    let session = Arc::new(proxy);
    let server = Arc::clone(&session)
        .serve(rmcp::transport::stdio())
        .await
        .context("the MCP client did not initialize")?;
    let _ = downstream.set(server.peer().clone());
    let _ = server.waiting().await;
    session.finish().await;
    if let Ok(upstream) = upstream {
        let _ = upstream.cancel().await;
    }
    Ok(())
}

/// The upstream server's side of the relay: passes its tool list changes
/// on to the client.
#[derive(Clone)]
struct Upstream {
    downstream: Arc<OnceCell<Peer<RoleServer>>>,
}

impl ClientHandler for Upstream {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        if let Some(client) = self.downstream.get() {
            let _ = client.notify_tool_list_changed().await;
        }
    }
}

/// Starts the upstream server and initializes it, within the timeout; the
/// error names it and says what happened.
async fn start_upstream(
    options: &ProxyOptions,
    downstream: Arc<OnceCell<Peer<RoleServer>>>,
) -> Result<RunningService<RoleClient, Upstream>, String> {
    let name = options.command.join(" ");
    let mut command = tokio::process::Command::new(&options.command[0]);
    command
        .args(&options.command[1..])
        // The token is Bosun's and the proxy's: the server never sees it.
        .env_remove("BOSUN_TOKEN")
        .kill_on_drop(true);
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| format!("the MCP server `{name}` did not start: {error}"))?;
    let handler = Upstream { downstream };
    match within_time_limit(options.timeout, handler.serve(transport)).await {
        Ok(Ok(running)) => Ok(running),
        Ok(Err(error)) => Err(format!(
            "the MCP server `{name}` did not initialize: {error}"
        )),
        Err(timed_out) => Err(timed_out.describe(&format!("`{name}`"), "initialize")),
    }
}

/// The client's side of the relay.
struct Proxy {
    options: Arc<ProxyOptions>,
    bosun: Bosun,
    upstream: Result<Peer<RoleClient>, String>,
    upstream_name: String,
    /// The server's name and the interactive run, once Bosun has them.
    session: Mutex<Option<Session>>,
    downstream: Arc<OnceCell<Peer<RoleServer>>>,
}

#[derive(Clone)]
struct Session {
    server: ServerName,
    run: String,
}

impl Proxy {
    fn upstream(&self) -> Result<&Peer<RoleClient>, ErrorData> {
        self.upstream
            .as_ref()
            .map_err(|error| ErrorData::internal_error(error.clone(), None))
    }

    /// The server's name and the run, registering the server and starting
    /// the run the first time Bosun answers.
    async fn session(&self) -> Result<Session, String> {
        let mut session = self.session.lock().await;
        if let Some(session) = session.as_ref() {
            return Ok(session.clone());
        }
        let upstream = self.upstream.as_ref().map_err(Clone::clone)?;
        let server = match &self.options.name {
            Some(name) => ServerName::parse("--name", name),
            None => {
                let own = upstream
                    .peer_info()
                    .and_then(|info| info.server_info.as_ref().map(|s| s.name.clone()))
                    .unwrap_or_default();
                ServerName::from_server_info(&own)
            }
        }
        .map_err(|error| error.to_string())?;
        let agent = &self.options.agent;
        let origin = blot_command_line(&self.options.command);
        self.bosun
            .call(
                Method::POST,
                &format!("/api/v1/agents/{agent}/mcp-servers"),
                json!({"name": server, "transport": "stdio", "origin": origin}),
            )
            .await?;
        let external_id = format!("mcp-proxy:{}", process_id());
        let run = self
            .bosun
            .call(
                Method::POST,
                &format!("/api/v1/agents/{agent}/runs"),
                json!({"interactive": true, "external_id": external_id,
                       "input": {"client": "mcp_proxy", "server": server, "command": origin}}),
            )
            .await?;
        let run = run["id"]
            .as_str()
            .ok_or("Bosun answered a run without an id")?
            .to_owned();
        let made = Session { server, run };
        *session = Some(made.clone());
        Ok(made)
    }

    /// Ends the run, if one was started: the client went away.
    async fn finish(&self) {
        let session = self.session.lock().await.clone();
        if let Some(session) = session {
            let _ = self
                .bosun
                .call(
                    Method::POST,
                    &format!("/api/v1/runtime/runs/{}/finish", session.run),
                    json!({"status": "succeeded", "output": {"reason": "the MCP client disconnected"}}),
                )
                .await;
        }
    }

    /// An upstream request, within the timeout; the error names the server.
    async fn upstream_request<T>(
        &self,
        what: &str,
        request: impl Future<Output = Result<T, rmcp::service::ServiceError>>,
    ) -> Result<T, String> {
        match within_time_limit(self.options.timeout, request).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(rmcp::service::ServiceError::McpError(error))) => Err(format!(
                "the MCP server `{}` refused {what}: {}",
                self.upstream_name, error.message
            )),
            Ok(Err(error)) => Err(format!(
                "the MCP server `{}` failed to answer {what}: {error}",
                self.upstream_name
            )),
            Err(timed_out) => Err(timed_out.describe(
                &format!("`{}`", self.upstream_name),
                &format!("answer {what}"),
            )),
        }
    }

    async fn list(&self) -> Result<Vec<Tool>, String> {
        let upstream = self.upstream.as_ref().map_err(Clone::clone)?;
        let tools = self
            .upstream_request("tools/list", upstream.list_all_tools())
            .await?;
        let session = self.session().await?;
        let listed = self
            .bosun
            .call(
                Method::POST,
                &format!(
                    "/api/v1/agents/{}/mcp-servers/{}/tools",
                    self.options.agent, session.server
                ),
                json!({ "tools": tools }),
            )
            .await?;
        let shown: Vec<&str> = listed["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|item| item["shown"] == true)
            .filter_map(|item| item["name"].as_str())
            .collect();
        Ok(tools
            .into_iter()
            .filter(|tool| shown.contains(&tool.name.as_ref()))
            .collect())
    }

    async fn call(
        &self,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let upstream = self.upstream()?.clone();
        let session = match self.session().await {
            Ok(session) => session,
            Err(error) => return Ok(refused(&format!("Bosun refused the call: {error}"))),
        };
        let Some(tool) = tool_name(&session.server, &request.name) else {
            return Ok(refused(&format!(
                "Bosun refused the call: the tool name {:?} makes no catalog name",
                request.name
            )));
        };
        let arguments = Value::Object(request.arguments.clone().unwrap_or_default());
        let asked = self
            .bosun
            .call(
                Method::POST,
                &format!("/api/v1/runtime/runs/{}/tool-calls", session.run),
                json!({"tool": tool, "input": arguments}),
            )
            .await;
        let mut state = match asked {
            Ok(state) => state,
            Err(error) => return Ok(refused(&format!("Bosun refused the call: {error}"))),
        };
        let call = state["id"].as_str().unwrap_or_default().to_owned();
        let progress = context.meta.get_progress_token();
        let mut waited = 0;
        while state["decision"] == "pending" {
            if let Some(token) = &progress {
                waited += 1;
                let note = ProgressNotificationParam::new(token.clone(), f64::from(waited))
                    .with_message("waiting for a reviewer's decision in Bosun's inbox");
                let _ = context.peer.notify_progress(note).await;
            }
            let wait = format!("/api/v1/runtime/tool-calls/{call}?wait={WAIT_SECONDS}");
            state = tokio::select! {
                answer = self.bosun.call(Method::GET, &wait, Value::Null) => match answer {
                    Ok(state) => state,
                    Err(error) => return Ok(refused(&format!("Bosun refused the call: {error}"))),
                },
                () = context.ct.cancelled() => {
                    return Err(ErrorData::internal_error("the client cancelled the call", None));
                }
            };
        }
        let sentence = decision_sentence(&state);
        if state["decision"] != "allow" {
            return Ok(refused(&sentence));
        }
        let mut forwarded = request;
        if state["edited"] == true {
            let mut edited = state["input"].clone();
            bosun_service::redact::restore(&mut edited, Some(&arguments), &[]);
            forwarded.arguments = edited.as_object().cloned();
        }
        let started = std::time::Instant::now();
        let answer = self
            .upstream_request(&format!("tools/call {}", forwarded.name), async {
                match upstream.call_tool_once(forwarded.clone()).await? {
                    CallToolResponse::Complete(result) => Ok(result),
                    _ => Err(rmcp::service::ServiceError::UnexpectedResponse),
                }
            })
            .await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let report = match &answer {
            Ok(result) if result.is_error == Some(true) => {
                json!({"error": result_text(result), "duration_ms": duration_ms})
            }
            Ok(result) => json!({
                "output": bosun_service::integrations::claude_code::kept_response(
                    serde_json::to_value(result).unwrap_or(Value::Null)),
                "duration_ms": duration_ms,
            }),
            Err(error) => json!({"error": error, "duration_ms": duration_ms}),
        };
        let _ = self
            .bosun
            .call(
                Method::POST,
                &format!("/api/v1/runtime/tool-calls/{call}/result"),
                report,
            )
            .await;
        answer.map_err(|error| ErrorData::internal_error(error, None))
    }
}

impl ServerHandler for Proxy {
    fn get_info(&self) -> InitializeResult {
        let mut info = InitializeResult::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        );
        let upstream = self.upstream.as_ref().ok().and_then(Peer::peer_info);
        let mut implementation = Implementation::from_build_env();
        if let Some(upstream) = &upstream {
            if let Some(server) = &upstream.server_info {
                implementation = server.clone();
            }
            if let Some(instructions) = &upstream.instructions {
                info = info.with_instructions(instructions.clone());
            }
        }
        info.with_server_info(implementation)
    }

    async fn initialize(
        &self,
        request: rmcp::model::InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, ErrorData> {
        // A server that did not start is said at once, by name.
        self.upstream()?;
        context.peer.set_peer_info(request.clone());
        let _ = self.downstream.set(context.peer.clone());
        self.negotiate_initialize(&request)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        match self.list().await {
            Ok(tools) => Ok(ListToolsResult::with_all_items(tools)),
            Err(error) => Err(ErrorData::internal_error(error, None)),
        }
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.call(request, &context).await.map(Into::into)
    }
}

/// A refused call, as the model reads it: a tool result with `isError`.
fn refused(text: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text.to_owned())])
}

/// The text of a result's content, for the trace's error.
fn result_text(result: &CallToolResult) -> String {
    let text = serde_json::to_value(&result.content).unwrap_or(Value::Null);
    let text = text
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|block| block["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if text.is_empty() {
        "the tool reported an error".into()
    } else {
        text
    }
}

/// Why Bosun decided as it did, as a sentence naming the rule, the mode
/// or the reviewer.
fn decision_sentence(state: &Value) -> String {
    let state = ToolCallState {
        id: bosun_service::ids::ToolCallId::from_string(
            state["id"].as_str().unwrap_or_default().to_owned(),
        ),
        decision: state["decision"].as_str().unwrap_or("deny").to_owned(),
        reason: state["reason"].clone(),
        risk: state["risk"].clone(),
        approval_id: state["approval_id"]
            .as_str()
            .map(|id| bosun_service::ids::ApprovalId::from_string(id.to_owned())),
        input: state["input"].clone(),
        edited: state["edited"] == true,
        message: state["message"].as_str().map(str::to_owned),
        rule: state
            .get("rule")
            .and_then(|rule| bosun_wire::events::DecidingRule::deserialize(rule).ok()),
    };
    bosun_service::integrations::mcp::decision_text(&state)
}

/// An id for this proxy process's run: its process id and start time.
fn process_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// Bosun's REST API as the proxy uses it.
struct Bosun {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Bosun {
    fn new(options: &ProxyOptions) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(BOSUN_TIMEOUT + Duration::from_secs(WAIT_SECONDS))
            .build()?;
        Ok(Self {
            client,
            url: options.url.trim_end_matches('/').to_owned(),
            token: options.token.clone(),
        })
    }

    /// One call; the error says what went wrong in a sentence (Bosun's own
    /// message for a refusal, or that it cannot be reached).
    async fn call(&self, method: Method, path: &str, body: Value) -> Result<Value, String> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|error| {
            format!(
                "Bosun at {} cannot be reached ({}); nothing runs without its decision",
                self.url,
                error.without_url()
            )
        })?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer);
        }
        let message = answer["error"]["message"]
            .as_str()
            .map_or_else(|| status.to_string(), str::to_owned);
        Err(match status {
            StatusCode::UNAUTHORIZED => {
                format!("Bosun did not accept the token in BOSUN_TOKEN: {message}")
            }
            _ => message,
        })
    }
}
