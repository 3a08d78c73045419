//! The remote gateway's use cases: what `/mcp/{agent}/{server}` does for
//! each request, over the same listing and decisions as every MCP server
//! of an agent ([`crate::integrations::mcp`]).
//!
//! Who calls, and the run their calls belong to:
//! - a person, with a personal access token or an agent token for the
//!   agent: their interactive run of the agent for this server (external
//!   id `mcp:<server>`), started by their first request and used by every
//!   later one until it ends (the idle sweep ends it as abandoned, a
//!   reviewer may cancel it); the next request then starts a new one. The
//!   person needs run access to the agent, checked at every request;
//! - an agent's worker, with its runtime key: the run it claimed (or
//!   started), named by the request's `Bosun-Run` header, since a key
//!   drives many runs and MCP has no other place to say which.
//!
//! The upstream credential is Bosun's to add, never the client's:
//! - a stored header secret goes with any run of an agent the server is
//!   attached to, interactive ones included. The rule that keeps a fixed
//!   agent's secrets from interactive runs is about handing a value to a
//!   person's machine; this one never leaves Bosun — the client gets only
//!   what the tools answer, each call decided by the rules and traced,
//!   and an answer that echoes the secret has it blotted out;
//! - an OAuth upstream gets the access token of the person the run acts
//!   for, by the rules of any credential of theirs: only for an agent that
//!   acts as its user and declares the provider, only for a run that
//!   person started — never for a run a runtime key started.
//!
//! Every credential used is recorded by reference in the run's trace
//! (`credential.issued`), never by value.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderName};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::ServerRow;
use super::upstream::{Upstream, UpstreamError};
use crate::agents::Capability;
use crate::error::Code;
use crate::events;
use crate::ids::{AgentId, RunId, ToolCallId};
use crate::integrations::claude_code::kept_response;
use crate::integrations::mcp::{ServerName, UpstreamTool, decision_text};
use crate::runs::keys::AgentKey;
use crate::runs::tool_calls::{ToolCallState, ToolResult};
use crate::runs::{ActiveRun, Runner, run_event};
use crate::{Bosun, Error, Principal, Result};
use bosun_wire::events::CredentialIssued;
use bosun_wire::vocabulary::RemoteAuthKind;

/// How long a call waits for a reviewer unless the client's URL says
/// (`?wait=`): a little under ten minutes, as for Claude Code's hooks.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(590);
/// The longest a call waits for a reviewer.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);
/// How often a waiting call tells a client that asked for progress that
/// it still waits.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Who calls the gateway, as their bearer token says.
pub enum GatewayCaller {
    Person(Principal),
    /// A runtime key, with the run its request names.
    Key {
        key: AgentKey,
        run: Option<RunId>,
    },
}

/// A caller allowed to use one server of one agent, in the run their
/// calls belong to.
pub struct RemoteSession {
    runner: Runner,
    run: RunId,
    agent: AgentId,
    server_name: ServerName,
    server: ServerRow,
    /// Whose listing it is: the person, or the key's creator.
    lister: Principal,
}

impl RemoteSession {
    pub fn server(&self) -> &str {
        self.server_name.as_str()
    }

    pub fn run(&self) -> &RunId {
        &self.run
    }
}

/// What became of a `tools/call`: the upstream's answer, or Bosun's
/// refusal as a tool result (`isError`) the model can read.
pub enum CallOutcome {
    Answered(Value),
    Refused(String),
}

impl Bosun {
    /// Checks that the caller may use the server `server` of `agent` and
    /// finds (or starts) the run their calls belong to. Someone who may
    /// not run the agent, or an agent the server is not attached to, is
    /// told it does not exist; an agent token for another agent is refused
    /// for its scope.
    pub async fn remote_mcp_session(
        &self,
        caller: GatewayCaller,
        agent: &AgentId,
        server: &str,
    ) -> Result<RemoteSession> {
        let server_name =
            ServerName::parse("server", server).map_err(|_| Error::NotFound("MCP server"))?;
        match caller {
            GatewayCaller::Person(principal) => {
                self.agent_for(&principal, agent, Capability::Run).await?;
                let row = self
                    .attached_remote_server(agent, server_name.as_str())
                    .await?
                    .ok_or(Error::NotFound("MCP server"))?;
                let input = json!({ "client": "mcp", "server": server_name });
                let (run, _) = self
                    .start_interactive_run(&principal, agent, &format!("mcp:{server_name}"), input)
                    .await?;
                Ok(RemoteSession {
                    runner: Runner::Starter(principal.clone()),
                    run: run.id,
                    agent: agent.clone(),
                    server_name,
                    server: row,
                    lister: principal,
                })
            }
            GatewayCaller::Key { key, run } => {
                if key.agent_id != *agent {
                    return Err(Error::NotFound("agent"));
                }
                let run = run.ok_or_else(|| {
                    Error::invalid(
                        "Bosun-Run",
                        "a runtime key names the run its calls belong to in the Bosun-Run header",
                    )
                })?;
                let runner = Runner::Key(key);
                self.active_run(&runner, &run).await?;
                let row = self
                    .attached_remote_server(agent, server_name.as_str())
                    .await?
                    .ok_or(Error::NotFound("MCP server"))?;
                let Runner::Key(key) = &runner else {
                    unreachable!("made a key's runner above")
                };
                let lister = self
                    .active_principal(key.created_by.as_str())
                    .await?
                    .ok_or(Error::Unauthenticated)?;
                Ok(RemoteSession {
                    runner,
                    run,
                    agent: agent.clone(),
                    server_name,
                    server: row,
                    lister,
                })
            }
        }
    }

    /// The upstream's tools the client may see, as the upstream described
    /// them: those the agent has and no rule denies outright. What the
    /// upstream brought is recorded (see [`Bosun::mcp_list_tools`]).
    pub async fn remote_mcp_list_tools(&self, session: &RemoteSession) -> Result<Vec<Value>> {
        let active = self.active_run(&session.runner, &session.run).await?;
        let upstream = self.upstream(session, &active).await?;
        let answer = upstream
            .request("tools/list", json!({}))
            .await
            .map_err(|error| upstream_failed(session, &error))?;
        let listed: Vec<Value> = match answer.get("tools") {
            Some(Value::Array(tools)) => tools.clone(),
            _ => Vec::new(),
        };
        let mut tools = Vec::with_capacity(listed.len());
        for tool in &listed {
            let tool: UpstreamTool = serde_json::from_value(tool.clone()).map_err(|_| {
                upstream_failed(
                    session,
                    &UpstreamError::Malformed("a tool of its list is not an MCP tool"),
                )
            })?;
            tools.push(tool);
        }
        let judged = self
            .mcp_list_tools(
                &session.lister,
                &session.agent,
                &session.server_name,
                &tools,
            )
            .await?;
        Ok(listed
            .into_iter()
            .zip(judged)
            .filter(|(_, judged)| judged.shown)
            .map(|(tool, _)| tool)
            .collect())
    }

    /// Decides a `tools/call` and, if allowed (by the rules, or by a
    /// reviewer within `wait`), forwards it with the upstream credential:
    /// the reviewer's edited arguments when they edited them. `progress`
    /// is told, every few seconds, that the call still waits.
    pub async fn remote_mcp_call_tool(
        &self,
        session: &RemoteSession,
        tool: &str,
        arguments: Value,
        wait: Duration,
        progress: &(dyn Fn(u64, String) + Send + Sync),
    ) -> Result<CallOutcome> {
        let mut state = self
            .mcp_call_tool(
                &session.runner,
                &session.run,
                &session.server_name,
                tool,
                arguments.clone(),
                None,
            )
            .await?;
        if state.decision == "pending" {
            state = self
                .wait_for_reviewer(session, &state.id, wait.min(MAX_WAIT), progress)
                .await?;
        }
        if state.decision != "allow" {
            return Ok(CallOutcome::Refused(decision_text(&state)));
        }
        let arguments = if state.edited {
            let mut edited = state.input.clone();
            crate::redact::restore(&mut edited, Some(&arguments), &[]);
            edited
        } else {
            arguments
        };
        Ok(CallOutcome::Answered(
            self.forward_call(session, &state, tool, arguments).await?,
        ))
    }

    async fn wait_for_reviewer(
        &self,
        session: &RemoteSession,
        call: &ToolCallId,
        wait: Duration,
        progress: &(dyn Fn(u64, String) + Send + Sync),
    ) -> Result<ToolCallState> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut ticks = 0;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let state = self
                .wait_tool_call(&session.runner, call, left.min(PROGRESS_EVERY))
                .await?;
            if state.decision != "pending" {
                return Ok(state);
            }
            if left.is_zero() {
                return self
                    .wait_for_decision(&session.runner, call, Duration::ZERO)
                    .await;
            }
            ticks += 1;
            progress(
                ticks,
                format!(
                    "waiting for a reviewer to decide this call of {}",
                    session.server()
                ),
            );
        }
    }

    /// Sends an allowed call upstream and records what came back: the
    /// result (as much of it as the trace keeps, as for Claude Code's
    /// tools) or the failure.
    async fn forward_call(
        &self,
        session: &RemoteSession,
        state: &ToolCallState,
        tool: &str,
        arguments: Value,
    ) -> Result<Value> {
        let started = std::time::Instant::now();
        let active = self.active_run(&session.runner, &session.run).await?;
        let answer = match self.upstream(session, &active).await {
            Ok(upstream) => upstream
                .request(
                    "tools/call",
                    json!({ "name": tool, "arguments": arguments }),
                )
                .await
                .map_err(|error| upstream_failed(session, &error)),
            Err(error) => Err(error),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).ok();
        let issued = self.issued_values(&session.run).await?;
        match answer {
            Ok(mut result) => {
                // An upstream that echoes its credential does not hand it
                // to the client.
                crate::redact::redact_issued(&mut result, &issued);
                let kept = kept_response(result.clone());
                self.report_tool_result(
                    &session.runner,
                    &state.id,
                    ToolResult {
                        output: Some(kept),
                        error: None,
                        duration_ms,
                    },
                )
                .await?;
                Ok(result)
            }
            Err(error) => {
                self.report_tool_result(
                    &session.runner,
                    &state.id,
                    ToolResult {
                        output: None,
                        error: Some(error.public_message()),
                        duration_ms,
                    },
                )
                .await?;
                Err(error)
            }
        }
    }

    /// The upstream of a session, with the credential its server takes.
    async fn upstream(&self, session: &RemoteSession, active: &ActiveRun) -> Result<Upstream<'_>> {
        let row = &session.server;
        let headers = match row.stored_auth_kind()? {
            RemoteAuthKind::None => Vec::new(),
            RemoteAuthKind::Header => {
                let name = row
                    .header_name
                    .as_deref()
                    .and_then(|name| HeaderName::try_from(name).ok())
                    .ok_or_else(|| {
                        Error::internal("a remote MCP server's header name is unusable")
                    })?;
                let value = row
                    .header_value(self)?
                    .ok_or_else(|| Error::internal("a remote MCP server has no header secret"))?;
                self.record_header_secret(session, active, name.as_str(), &value)
                    .await?;
                vec![(name, value)]
            }
            RemoteAuthKind::Oauth => {
                let provider = row.provider_name.as_deref().ok_or_else(|| Error::Refused {
                    code: Code::McpServerUnusable,
                    message: format!(
                        "the MCP server {} signed in with an OAuth provider that was removed; an admin sets its \
                         authentication again",
                        row.name
                    ),
                })?;
                if active.credential_model != "user" {
                    return Err(Error::forbidden(format!(
                        "the MCP server {} acts with each person's {provider} account, which only an agent that \
                         acts as its user is given",
                        row.name
                    )));
                }
                let token = self
                    .issue_user_token(&session.runner, active, provider)
                    .await?;
                let bearer = Zeroizing::new(format!("Bearer {}", token.value.as_str()));
                vec![(AUTHORIZATION, bearer)]
            }
        };
        Ok(Upstream {
            bosun: self,
            url: row.url.clone(),
            headers,
            timeout: Duration::from_secs(u64::try_from(row.timeout_seconds).unwrap_or(30)),
        })
    }

    /// Notes the header secret in the run the first time it is used: the
    /// trace names it (server and header, never the value), and whatever
    /// the run's tools echo of it is blotted out.
    async fn record_header_secret(
        &self,
        session: &RemoteSession,
        active: &ActiveRun,
        header: &str,
        value: &str,
    ) -> Result<()> {
        let name = format!("mcp:{}", session.server());
        let known = self.issued_values(&session.run).await?;
        if known.iter().any(|issued| issued.name == name) {
            return Ok(());
        }
        let mut tx = self.db().begin_write().await?;
        crate::runs::input::remember_issued(self, &mut tx, &session.run, &name, value).await?;
        // A value with a scheme (`Bearer …`) is blotted out by its token
        // alone too, which is what an upstream is likelier to repeat.
        if let Some((_, token)) = value
            .split_once(' ')
            .filter(|(scheme, token)| !scheme.is_empty() && !token.trim().is_empty())
        {
            crate::runs::input::remember_issued(self, &mut tx, &session.run, &name, token.trim())
                .await?;
        }
        let issued = CredentialIssued::McpHeader {
            name: name.clone(),
            server: session.server().to_string(),
            header: header.to_owned(),
            used_by: "bosun".to_owned(),
        };
        events::append(
            &mut tx,
            self.now(),
            run_event(&session.runner, active, &issued)?,
        )
        .await?;
        tx.commit().await
    }
}

/// The error a client is told when the upstream failed: naming it.
fn upstream_failed(session: &RemoteSession, error: &UpstreamError) -> Error {
    Error::Refused {
        code: Code::McpUpstreamFailed,
        message: error.describe(session.server()),
    }
}
