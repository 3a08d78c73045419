//! Runs, who makes their calls, the runtime keys agents' workers hold, tool
//! calls and their approval requests.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::clock::from_millis;
use crate::ids::{AgentId, ApprovalId, RunId, RuntimeKeyId, ToolCallId, UserId, WorkspaceId};
use crate::model::events::PreparedEvent;
use crate::model::identity::Principal;
use bosun_policy::{Reason, Risk};
use bosun_wire::events::DecidingRule;
pub use bosun_wire::vocabulary::{ApprovalDecision, ApprovalStatus, RunStatus};

/// Who makes a run's runtime calls (tool calls, results, events, its end):
/// an agent's worker with one of the agent's runtime keys, for the runs
/// workers claim and the runs a key starts; or the person who started an
/// interactive run, with their own token, for that run only. Neither works
/// on the other's runs.
#[derive(Clone, Debug)]
pub enum Runner {
    Key(AgentKey),
    Starter(Principal),
}

impl Runner {
    /// How the runner appears as an actor in the trace.
    pub fn actor(&self) -> String {
        match self {
            Self::Key(key) => key.actor(),
            Self::Starter(principal) => principal.user_id.to_string(),
        }
    }

    pub fn workspace_id(&self) -> &WorkspaceId {
        match self {
            Self::Key(key) => &key.workspace_id,
            Self::Starter(principal) => &principal.workspace_id,
        }
    }
}

/// A run, in the REST contract's shape.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub id: RunId,
    pub agent_id: AgentId,
    pub status: RunStatus,
    pub input: Value,
    pub output: Option<Value>,
    /// The user who started it; none when a runtime key did.
    pub started_by: Option<String>,
    /// The runtime key that started it, if one did.
    pub started_by_key: Option<String>,
    /// Started by its user's own agent, running under their token rather
    /// than claimed by a worker.
    pub interactive: bool,
    /// The interactive run's id on the side of the agent that started it
    /// (a session id); none for other runs.
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// An agent's worker, authenticated by its runtime key.
#[derive(Clone, Debug)]
pub struct AgentKey {
    pub key_id: RuntimeKeyId,
    pub agent_id: AgentId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    /// Who created it: a run the key starts counts as theirs.
    pub created_by: UserId,
}

impl AgentKey {
    /// How the key appears as an actor in the trace.
    pub fn actor(&self) -> String {
        format!("key:{}", self.key_id)
    }

    /// How the trace names the key: its id, name and creator.
    pub fn trace_reference(&self) -> bosun_wire::events::KeyReference {
        bosun_wire::events::KeyReference {
            id: self.key_id.to_string(),
            name: self.name.clone(),
            created_by: self.created_by.to_string(),
        }
    }
}

/// A runtime key as its agent's owner and admins see it, never its value.
#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo {
    pub id: RuntimeKeyId,
    pub name: String,
    pub created_by: UserId,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// False once its creator no longer owns the agent or administers the
    /// workspace (or was deactivated): the key is refused until then.
    pub active: bool,
}

/// Something a reviewer allowed for the rest of a run.
#[derive(Clone, Debug)]
pub struct RunAllowance {
    pub id: String,
    pub tool: String,
    /// The subject as the rules read it (a normalized path or URL, a
    /// command's words).
    pub subject: String,
    /// The request it was granted on.
    pub approval_id: String,
    pub granted_by: String,
    /// The reviewer's name, for people.
    pub granted_by_name: String,
    pub(crate) granted_at_ms: i64,
}

impl RunAllowance {
    pub fn granted_at(&self) -> DateTime<Utc> {
        from_millis(self.granted_at_ms)
    }
}

/// Where a tool call stands, as the agent is told.
#[derive(Clone, Debug, Serialize)]
pub struct ToolCallState {
    pub id: ToolCallId,
    /// `allow`, `deny`, or `pending` while a reviewer decides.
    pub decision: String,
    pub reason: Value,
    pub risk: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<ApprovalId>,
    /// The input as kept (redacted): the reviewer's edit, or the original.
    pub input: Value,
    /// Whether a reviewer edited the input. If not, the agent runs its own
    /// input; if so, it runs this one with any `[redacted…]` marker filled
    /// in from its own (see [`crate::redact::restore`]).
    pub edited: bool,
    /// The reviewer's message, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The rule that decided, as it read then (its tool, action, pattern
    /// and note), for an answer that names it; null when no rule did or
    /// the call was read back rather than decided now.
    #[serde(skip)]
    pub rule: Option<DecidingRule>,
}

/// A decided tool call, as it is to be stored.
pub(crate) struct NewToolCall {
    pub id: String,
    /// The runtime key that asked, whose "last used" this call updates;
    /// none when the starter of an interactive run asked (their token
    /// noted its use as it was authenticated).
    pub key_id: Option<String>,
    pub run_id: String,
    pub tool: String,
    /// A string input as it is, or an object input as JSON text (redacted).
    pub input: String,
    /// Whether `input` is JSON text.
    pub input_json: bool,
    pub working_dir: Option<String>,
    /// The tool as the client named it, when a client integration (Claude
    /// Code's hooks) adapted its call to `tool`.
    pub client_tool: Option<String>,
    pub idempotency_key: Option<String>,
    pub decision: &'static str,
    /// `allow` or `deny`; none while a reviewer decides.
    pub outcome: Option<&'static str>,
    pub reason: String,
    pub risk: String,
    pub approval: Option<NewApproval>,
    pub at: DateTime<Utc>,
    /// Its events, encoded by the caller so the writer only chains them.
    pub events: Vec<PreparedEvent>,
}

/// The approval request of a call the rules answered with `ask`.
pub(crate) struct NewApproval {
    pub id: String,
    pub workspace_id: WorkspaceId,
    pub agent_id: String,
    pub expires_at: i64,
}

/// A request in the inbox.
#[derive(Clone, Debug)]
pub struct Approval {
    pub id: ApprovalId,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub run_id: String,
    pub tool_call_id: ToolCallId,
    pub tool: String,
    /// The tool as the agent's client named it (Claude Code's `Bash`) when
    /// its call was judged as `tool`; `input` is then the client's whole
    /// tool input.
    pub client_tool: Option<String>,
    /// A string, or a JSON object; redacted.
    pub input: Value,
    /// Where the call's relative paths start.
    pub working_dir: Option<String>,
    /// Why it was asked: a rule, the mode, or what could not be judged.
    pub reason: Reason,
    pub risk: Risk,
    pub status: ApprovalStatus,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decision: Option<ApprovalDecision>,
    pub message: Option<String>,
    /// Who started the run (also whom it acts for); none for a key-started run.
    pub started_by: Option<String>,
    pub started_by_name: Option<String>,
    /// The runtime key that started the run, if one did.
    pub started_by_key: Option<String>,
}

/// Someone who may decide a request.
#[derive(Clone, Debug, Serialize)]
pub struct Decider {
    pub user_id: String,
    pub name: String,
    pub email: String,
}

/// Whose pending requests a change may leave without a starter entitled
/// to them: the requests a revocation looks at.
pub(crate) enum Affected<'a> {
    /// Every run of one agent (a revoked grant, a new owner).
    Agent(&'a AgentId),
    /// Every run a person started, or a runtime key they created started
    /// (deactivated, stepped down as admin).
    Person(&'a UserId),
}

/// How one pending request is resolved: what a reviewer's decision,
/// cancelling its run and closing it unreviewed (expired, withdrawn) all
/// write, here once so that they cannot tell different stories.
pub(crate) struct Resolution<'a> {
    pub(crate) request: &'a PendingRequest,
    /// Whether a reviewer decides the request, which they may only while
    /// it is decidable (see [`Resolution::claim`]), rather than it being
    /// closed.
    pub(crate) decided: bool,
    /// The request's new status (`approved`, `denied`, `expired` …).
    pub(crate) status: &'a str,
    /// What was decided (a reviewer's `allow_once`, `edit` …; the status
    /// when nobody decided).
    pub(crate) decision: &'a str,
    /// What its tool call is told: `allow` or `deny`.
    pub(crate) outcome: &'a str,
    pub(crate) message: Option<&'a str>,
    /// Who decided or cancelled; none when the request was closed by time
    /// or by a revocation.
    pub(crate) reviewer: Option<&'a UserId>,
    pub(crate) edited_input: Option<&'a str>,
    /// The input the call goes on with, when it changes.
    pub(crate) final_input: Option<&'a str>,
}

/// A pending request, as much of it as resolving it writes.
pub(crate) struct PendingRequest {
    pub(crate) id: String,
    pub(crate) tool_call_id: String,
    pub(crate) run_id: String,
    pub(crate) agent_id: AgentId,
    pub(crate) workspace_id: WorkspaceId,
    pub(crate) started_by: Option<String>,
    pub(crate) tool: String,
}
