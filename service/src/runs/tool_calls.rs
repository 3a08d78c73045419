//! Tool calls: an agent asks before it acts. Bosun decides from the agent's
//! compiled rules and answers allow, deny, or pending (an approval request
//! for a reviewer), and records the request, the decision and, later, the
//! result, each in the transaction of the state it describes.
//!
//! An input is a string or a JSON object (see [`super::input`]); what is
//! kept of it is redacted, and an object is judged by its subject.

use std::sync::Arc;
use std::time::Duration;

use bosun_policy::{Action, Decision, Reason, Request, Risk};
use serde_json::Value;
use tokio::time::Instant;

use super::decision_log::{AccessCheck, Decided, NewApproval, NewToolCall, Recorded};
use super::hot_runs::HotRun;
use super::input;
use super::{ActiveRun, Runner, keys, run_event};
use crate::clock::to_millis;
use crate::db::nul_escaped;
use crate::events::{self, PreparedEvent};
use crate::ids::{AgentId, ApprovalId, RunId, ToolCallId, WorkspaceId};
use crate::integrations::claude_code::{Judged, not_given_reason};
use crate::integrations::mcp;
pub use crate::model::runs::ToolCallState;
use crate::redact::IssuedValue;
use crate::store::{self, tool_calls::ToolCallRow};
use crate::{Bosun, Error, Result, validate};
use bosun_wire::events::{
    ApprovalRequested, DecidingRule, PolicyDecision, ToolCallRequested, ToolCallResult,
};

/// What an agent asks to do.
#[derive(Clone, Debug, Default)]
pub struct ToolCallRequest {
    pub tool: String,
    /// A string, or a JSON object judged by the tool's subject.
    pub input: Value,
    /// Retrying with the same key returns the same call.
    pub idempotency_key: Option<String>,
    /// Where relative paths start.
    pub working_dir: Option<String>,
    /// A client's own call (a Claude Code tool), adapted to `tool`: judged
    /// as its integration says, kept as the client named it with the
    /// whole `input` (not checked against `tool`'s schema).
    pub client: Option<ClientCall>,
}

/// A tool call as a client integration adapted it.
#[derive(Clone, Debug)]
pub struct ClientCall {
    /// The tool as the client named it (Claude Code's `Bash`).
    pub tool: String,
    /// How it is judged.
    pub judged: Judged,
}

/// What a tool call produced.
#[derive(Clone, Debug, Default)]
pub struct ToolResult {
    pub output: Option<Value>,
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
}

const MAX_ERROR_CHARS: usize = 64 * 1024;
/// The longest working directory and idempotency key a call may give, in
/// characters.
pub const MAX_WORKING_DIR_CHARS: usize = 4096;
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;
/// Times a call is read and decided before giving up, should what it
/// reads change each time before its decision is recorded.
const DECIDE_ATTEMPTS: usize = 5;

impl Bosun {
    /// Decides a tool call of a running run and records it.
    pub async fn request_tool_call(
        &self,
        runner: &Runner,
        run: &RunId,
        request: ToolCallRequest,
    ) -> Result<ToolCallState> {
        for _ in 0..DECIDE_ATTEMPTS {
            let active = Arc::new(self.active_run(runner, run).await?);
            let issued = self.issued_values_read(&active).await?;
            let decided = self
                .decide_and_record(runner, &active, &issued, run, request.clone())
                .await?;
            if let Some(state) = decided {
                return Ok(state);
            }
        }
        Err(changing_run())
    }

    /// [`Bosun::request_tool_call`] for a runtime key as presented, checked
    /// in the same read as the run.
    pub async fn request_tool_call_with_key(
        &self,
        presented_key: &str,
        run: &RunId,
        request: ToolCallRequest,
    ) -> Result<ToolCallState> {
        for _ in 0..DECIDE_ATTEMPTS {
            let hot = self.hot_run(presented_key, run).await?;
            let decided = self
                .decide_and_record(
                    &Runner::Key(hot.key),
                    &hot.run,
                    &hot.issued,
                    run,
                    request.clone(),
                )
                .await?;
            match decided {
                Some(state) => return Ok(state),
                None => {
                    if let Some(hash) = keys::presented_hash(presented_key) {
                        self.hot_runs().forget(&hash, run.as_str());
                    }
                }
            }
        }
        Err(changing_run())
    }

    /// The key's run as the last call found it, or read now (see
    /// [`super::hot_runs`]).
    async fn hot_run(&self, presented_key: &str, run: &RunId) -> Result<HotRun> {
        let hash = keys::presented_hash(presented_key);
        if let Some(hot) = hash
            .as_deref()
            .and_then(|hash| self.hot_runs().get(hash, run.as_str()))
        {
            return Ok(hot);
        }
        let (key, active) = self
            .active_run_for_presented_key(presented_key, run)
            .await?;
        let active = Arc::new(active);
        let hot = HotRun {
            key,
            issued: Arc::new(self.issued_values_read(&active).await?),
            run: active,
        };
        if let Some(hash) = hash {
            self.hot_runs().put(hash, hot.clone());
        }
        Ok(hot)
    }

    /// The credential values issued to a run just read: none to read when
    /// it had none. Read after the run, so that they are at least those it
    /// counted (values are only ever added).
    async fn issued_values_read(&self, active: &ActiveRun) -> Result<Vec<IssuedValue>> {
        if active.issued_credentials == 0 {
            return Ok(Vec::new());
        }
        self.issued_values(&RunId::from_string(active.id.clone()))
            .await
    }

    /// Decides and records a call on the run as read; none when what was
    /// read changed before the decision could be recorded (nothing of it
    /// was), and the caller reads the run again.
    async fn decide_and_record(
        &self,
        runner: &Runner,
        active: &Arc<ActiveRun>,
        issued: &[IssuedValue],
        run: &RunId,
        request: ToolCallRequest,
    ) -> Result<Option<ToolCallState>> {
        validate::identifier("tool", &request.tool)?;
        let workspace = WorkspaceId::from_string(active.workspace_id.clone());
        match &request.client {
            None => input::check(self, &workspace, &request.tool, &request.input).await?,
            Some(client) => {
                validate::text("tool_name", &client.tool, 200)?;
                input::check_client(&request.input)?;
            }
        }
        if let Some(dir) = &request.working_dir {
            validate::text("working_dir", dir, MAX_WORKING_DIR_CHARS)?;
        }
        if let Some(idempotency_key) = &request.idempotency_key {
            validate::label(
                "idempotency_key",
                idempotency_key,
                MAX_IDEMPOTENCY_KEY_CHARS,
            )?;
            if let Some(existing) = self.call_by_idempotency_key(run, idempotency_key).await? {
                return existing.state().map(Some);
            }
        }
        let (mut decision, rule, allowance) = self.decide(active, &request).await;
        // Decided on the input as sent; kept only redacted, and so is what
        // the decision quotes of it (a command's words).
        let mut kept = request.input.clone();
        crate::redact::redact(&mut kept, issued);
        let (kept_text, kept_json) = store::input_column::encode(&kept);
        let now = self.now();
        let id = ToolCallId::generate();
        let outcome = match decision.action {
            Action::Allow => Some("allow"),
            Action::Deny => Some("deny"),
            Action::Ask => None,
        };
        let approval = (decision.action == Action::Ask).then(ApprovalId::generate);
        crate::redact::redact_decision(&mut decision.reason, &mut decision.risk, issued);
        let reason = serde_json::to_value(&decision.reason).unwrap_or(Value::Null);
        let risk = serde_json::to_value(&decision.risk).unwrap_or(Value::Null);
        let mut commands = serde_json::to_value(&decision.commands).unwrap_or(Value::Null);
        crate::redact::redact_issued(&mut commands, issued);

        let client_tool = request.client.as_ref().map(|client| client.tool.clone());
        let requested = ToolCallRequested {
            tool_call_id: id.to_string(),
            tool: request.tool.clone(),
            input: kept.clone(),
            working_dir: request.working_dir.clone(),
            client_tool: client_tool.clone(),
        };
        let decided = PolicyDecision {
            tool_call_id: id.to_string(),
            tool: request.tool.clone(),
            decision: decision.action.as_str().to_owned(),
            reason: reason.clone(),
            rule: rule.clone(),
            risk: risk.clone(),
            commands,
            run_allowance: allowance,
        };
        let mut events = vec![
            run_event(runner, active, &requested)?,
            run_event(runner, active, &decided)?,
        ];
        let approval_request = match &approval {
            Some(approval) => {
                let expires_at =
                    to_millis(now).saturating_add(active.approval_ttl_seconds.saturating_mul(1000));
                let requested = ApprovalRequested {
                    approval_id: approval.to_string(),
                    tool_call_id: id.to_string(),
                    tool: request.tool.clone(),
                    expires_at,
                };
                events.push(run_event(runner, active, &requested)?);
                Some(NewApproval {
                    id: approval.to_string(),
                    workspace_id: workspace.clone(),
                    agent_id: active.agent_id.clone(),
                    expires_at,
                })
            }
            None => None,
        };
        let call = NewToolCall {
            id: id.to_string(),
            key_id: match runner {
                Runner::Key(key) => Some(key.key_id.to_string()),
                Runner::Starter(_) => None,
            },
            run_id: run.to_string(),
            tool: request.tool,
            // The trace's event holds the kept input exactly; the row, which
            // PostgreSQL's `text` must be able to take, holds a string
            // NUL-escaped (an object as JSON text, whose escapes do it).
            input: kept_text,
            input_json: kept_json,
            working_dir: request.working_dir,
            client_tool,
            idempotency_key: request.idempotency_key.clone(),
            decision: decision.action.as_str(),
            outcome,
            reason: reason.to_string(),
            risk: risk.to_string(),
            approval: approval_request,
            at: now,
            events: events
                .into_iter()
                .map(|event| PreparedEvent::new(now, event))
                .collect(),
        };
        let access = AccessCheck {
            runner: runner.clone(),
            run: Arc::clone(active),
        };
        match self.decision_log().record(Decided { call, access }).await? {
            Recorded::Stored => Ok(Some(ToolCallState {
                id,
                decision: outcome.unwrap_or("pending").into(),
                reason,
                risk,
                approval_id: approval,
                input: kept,
                edited: false,
                message: None,
                rule,
            })),
            Recorded::Changed => Ok(None),
            Recorded::DuplicateIdempotencyKey => {
                // A concurrent retry with the same idempotency key won.
                let key = request.idempotency_key.unwrap_or_default();
                self.call_by_idempotency_key(run, &key)
                    .await?
                    .ok_or(Error::NotFound("tool call"))?
                    .state()
                    .map(Some)
            }
        }
    }

    /// Where a call stands, waiting up to `wait` while it is pending. A
    /// pending request that expired, or whose run's starter lost access, is
    /// settled here as a denial (should the sweeper or the revocation not
    /// have got to it yet); and once the starter has lost access, a call
    /// allowed before is refused rather than answered `allow` again.
    pub async fn wait_tool_call(
        &self,
        runner: &Runner,
        id: &ToolCallId,
        wait: Duration,
    ) -> Result<ToolCallState> {
        let deadline = Instant::now() + wait.min(Duration::from_secs(60));
        let topic = tool_call_topic(id);
        let mut subscription = self.notifier().subscribe();
        loop {
            self.settle_if_due(id).await?;
            let row = self.call_of_runner(runner, id).await?;
            if row.outcome.as_deref() == Some("allow") {
                self.run_of_runner(runner, &RunId::from_string(row.run_id.clone()))
                    .await?
                    .check_entitled()?;
            }
            if row.outcome.is_some() || !subscription.wait(&topic, deadline).await {
                return row.state();
            }
        }
    }

    /// Waits for a reviewer's decision on a pending call up to `wait`
    /// (several of [`Bosun::wait_tool_call`]'s turns); a request still
    /// pending then expires, and the call is denied: for a client that
    /// holds its own caller while it waits (a Claude Code hook, an MCP
    /// gateway), so no request is left that nobody waits for.
    pub(crate) async fn wait_or_expire(
        &self,
        runner: &Runner,
        call: &ToolCallId,
        wait: Duration,
    ) -> Result<ToolCallState> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let state = self.wait_tool_call(runner, call, left).await?;
            if state.decision != "pending" {
                return Ok(state);
            }
            if left.is_zero() {
                let message = format!(
                    "no decision within {} seconds — ask again later",
                    wait.as_secs()
                );
                self.expire_unanswered(call, &message).await?;
                return self.wait_tool_call(runner, call, Duration::ZERO).await;
            }
        }
    }

    /// Records what a call produced; once.
    pub async fn report_tool_result(
        &self,
        runner: &Runner,
        id: &ToolCallId,
        result: ToolResult,
    ) -> Result<()> {
        let row = self.call_of_runner(runner, id).await?;
        let run_row = self
            .running_run(runner, &RunId::from_string(row.run_id.clone()))
            .await?;
        run_row.check_entitled()?;
        if row.outcome.as_deref() != Some("allow") {
            return Err(Error::Refused {
                code: crate::Code::NotAllowed,
                message: "only an allowed tool call has a result".into(),
            });
        }
        if row.result.is_some() || row.error.is_some() {
            return Err(Error::Refused {
                code: crate::Code::AlreadyReported,
                message: "this call's result was already reported".into(),
            });
        }
        // A tool may echo a credential it was handed (`env`, a request's
        // headers): the trace must not keep it.
        let issued = self
            .issued_values(&RunId::from_string(row.run_id.clone()))
            .await?;
        let (mut output, mut error) = (result.output, result.error);
        if let Some(output) = output.as_mut() {
            crate::redact::redact_issued(output, &issued);
        }
        if let Some(error) = error.as_mut() {
            crate::redact::redact_text(error, &issued);
        }
        let (output, error) = match (output, error) {
            (Some(output), None) => (Some(output), None),
            // What a tool said is kept as it was, NUL characters included.
            (None, Some(error)) if error.chars().count() > MAX_ERROR_CHARS => {
                return Err(Error::invalid(
                    "error",
                    format!("must be at most {MAX_ERROR_CHARS} characters"),
                ));
            }
            (None, Some(error)) => (None, Some(error)),
            _ => return Err(Error::invalid("output", "give either output or error")),
        };
        let output_text = output.as_ref().map(Value::to_string);
        if output_text.as_ref().is_some_and(|o| o.len() > 1024 * 1024) {
            return Err(Error::invalid("output", "must be at most 1 MiB of JSON"));
        }
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        store::tool_calls::set_result(
            &mut tx,
            id,
            output_text.as_deref(),
            error
                .as_deref()
                .map(|error| nul_escaped(error).into_owned()),
            to_millis(now),
        )
        .await?;
        let answered = ToolCallResult {
            tool_call_id: id.to_string(),
            tool: row.tool.clone(),
            output,
            error,
            duration_ms: result.duration_ms,
        };
        events::append(&mut tx, now, run_event(runner, &run_row, &answered)?).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The compiled rules' answer, the rule that gave it (as it read then,
    /// for the trace) and the run's allowance if one did, failing closed:
    /// any error is a denial.
    async fn decide(
        &self,
        run: &ActiveRun,
        request: &ToolCallRequest,
    ) -> (Decision, Option<DecidingRule>, Option<Value>) {
        let deny = |message: String, risk: &'static str| {
            let decision = Decision {
                action: Action::Deny,
                reason: Reason::InvalidInput { message },
                risk: Risk::new(bosun_policy::RiskLevel::Unknown, risk),
                commands: vec![],
            };
            (decision, None, None)
        };
        let tools: Vec<String> = match serde_json::from_str(&run.tools) {
            Ok(tools) => tools,
            Err(error) => {
                tracing::error!(%error, "the agent's tools do not parse; denying");
                return deny(
                    "the decision could not be made; denied".into(),
                    "not evaluated",
                );
            }
        };
        // No tool takes a NUL character, and each would read one its own
        // way (a C string ends there): an input holding one is refused
        // before any rule could misjudge it.
        if input::holds_nul(&request.input) {
            return deny(
                "the input holds a NUL character, which no tool takes".into(),
                "NUL character in the input",
            );
        }
        let versions = (run.agent_policy_version, run.workspace_policy_version);
        let policy = self
            .policy_at(
                &WorkspaceId::from_string(run.workspace_id.clone()),
                &AgentId::from_string(run.agent_id.clone()),
                versions,
                &run.execution_mode,
            )
            .await;
        match policy {
            Ok(policy) => {
                let working_dir = request.working_dir.as_deref();
                let compiled = &policy.compiled;
                // An MCP tool whose catalog entry names no subject is
                // judged by its arguments as canonical JSON.
                let judged_input = |tool: &str| {
                    let subject = compiled
                        .catalog()
                        .get(tool)
                        .and_then(|t| t.subject.as_deref());
                    if mcp::is_mcp_tool(tool) {
                        mcp::judged_input(subject, &request.input)
                    } else {
                        std::borrow::Cow::Borrowed(&request.input)
                    }
                };
                let (decision, allowance) = match &request.client {
                    None => {
                        let input = judged_input(&request.tool);
                        self.decide_in_run(
                            run,
                            compiled,
                            &tools,
                            &request.tool,
                            &input,
                            working_dir,
                        )
                        .await
                    }
                    Some(client) => match &client.judged {
                        // A string input is its own subject.
                        Judged::Subject { tool, subject } => {
                            let subject = Value::String(subject.clone());
                            self.decide_in_run(run, compiled, &tools, tool, &subject, working_dir)
                                .await
                        }
                        Judged::Own { tool } => {
                            let input = judged_input(tool);
                            let (mut decision, allowance) = self
                                .decide_in_run(run, compiled, &tools, tool, &input, working_dir)
                                .await;
                            if !tools.contains(tool) {
                                decision.reason = Reason::InvalidInput {
                                    message: not_given_reason(&client.tool, tool),
                                };
                            }
                            (decision, allowance)
                        }
                        Judged::Internal { tool } => {
                            let text = request.input.to_string();
                            let query = Request::new(tool, &text);
                            (compiled.decide_client_internal(&query), None)
                        }
                        Judged::Refused { reason } => {
                            return deny(reason.clone(), "the call cannot be judged");
                        }
                    },
                };
                let rule = policy.rule_snapshot(&decision.reason);
                (decision, rule, allowance)
            }
            Err(error) => {
                tracing::error!(%error, "could not compile the agent's rules; denying");
                deny(
                    "the rules could not be evaluated; denied".into(),
                    "not evaluated",
                )
            }
        }
    }

    /// The call of a run recorded under an idempotency key, if any.
    pub(crate) async fn tool_call_by_idempotency_key(
        &self,
        run: &RunId,
        key: &str,
    ) -> Result<Option<ToolCallId>> {
        Ok(self
            .call_by_idempotency_key(run, key)
            .await?
            .map(|row| ToolCallId::from_string(row.id)))
    }

    async fn call_by_idempotency_key(&self, run: &RunId, key: &str) -> Result<Option<ToolCallRow>> {
        store::tool_calls::by_idempotency_key(self.db().pool(), run, key).await
    }

    /// A tool call of a run the runner may act on (see
    /// [`Bosun::run_of_runner`]); not found otherwise.
    async fn call_of_runner(&self, runner: &Runner, id: &ToolCallId) -> Result<ToolCallRow> {
        let row = store::tool_calls::of_runner(self.db().pool(), runner, id).await?;
        row.ok_or(Error::NotFound("tool call"))
    }
}

/// What a caller is told should its run change under each of its
/// attempts: never in practice (each attempt reads the run anew).
fn changing_run() -> Error {
    Error::Refused {
        code: crate::Code::RunChanging,
        message: "the run kept changing while the call was decided; try again".into(),
    }
}

pub(crate) fn tool_call_topic(id: &ToolCallId) -> String {
    format!("tool_call:{id}")
}

/// The topic a workspace's open inboxes listen on.
pub fn inbox_topic(workspace: &crate::ids::WorkspaceId) -> String {
    format!("inbox:{workspace}")
}
