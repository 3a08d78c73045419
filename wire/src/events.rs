//! The event log's vocabulary (see `docs/events.md`): every kind of event
//! there is ([`EventKind`]), and what each kind records, as typed payloads
//! that the service writes and the pages, the search and the exports read
//! ([`Payload`]): the run events' here, the administrative events' in
//! [`admin`].
//!
//! An event's hash covers its `data` as compact JSON, so a payload type
//! encodes exactly what the log has always stored for its kind: fields in
//! the stored order (JSON maps sort their keys), a field some writers leave
//! out skipped when absent, a field written as null kept as null. Kinds are
//! never removed or renamed, and a reader meets events of kinds or shapes
//! it does not know (an older or newer version wrote them): those read as
//! [`Payload::Other`], the raw JSON, and still show and export.
//!
//! `rule.scope` has no payload: no version ever wrote an event of that
//! kind (the name is kept because kinds are never removed).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

pub mod admin;

pub use admin::*;

macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// What happened: the `kind` of an event, one name per variant.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventKind {
            $($(#[$doc])* $variant,)*
        }

        impl EventKind {
            /// Every kind, in the order `docs/events.md` lists them.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The kind's name in the log, e.g. `run.started`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }
        }

        impl FromStr for EventKind {
            type Err = UnknownEventKind;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name {
                    $($name => Ok(EventKind::$variant),)*
                    _ => Err(UnknownEventKind(name.to_owned())),
                }
            }
        }
    };
}

event_kinds! {
    RunStarted = "run.started",
    RunClaimed = "run.claimed",
    ToolCallRequested = "tool_call.requested",
    PolicyDecision = "policy.decision",
    ApprovalRequested = "approval.requested",
    ApprovalResolved = "approval.resolved",
    ToolCallResult = "tool_call.result",
    AgentEvent = "agent.event",
    CredentialIssued = "credential.issued",
    CredentialRefused = "credential.refused",
    RunFinished = "run.finished",
    AgentCreated = "agent.created",
    AgentUpdated = "agent.updated",
    /// An update that gave the agent another owner.
    AgentOwnershipTransferred = "agent.ownership_transferred",
    AgentDeleted = "agent.deleted",
    AgentCloned = "agent.cloned",
    GrantCreated = "grant.created",
    GrantChanged = "grant.changed",
    GrantRevoked = "grant.revoked",
    CredentialWritten = "credential.written",
    CredentialDeleted = "credential.deleted",
    RuleCreated = "rule.created",
    RuleUpdated = "rule.updated",
    RuleDeleted = "rule.deleted",
    RuleReordered = "rule.reordered",
    RuleScope = "rule.scope",
    ToolCreated = "tool.created",
    ToolDiscovered = "tool.discovered",
    McpServerRegistered = "mcp_server.registered",
    RuntimeKeyCreated = "runtime_key.created",
    RuntimeKeyRevoked = "runtime_key.revoked",
    RemoteMcpServerRegistered = "remote_mcp_server.registered",
    RemoteMcpServerUpdated = "remote_mcp_server.updated",
    RemoteMcpServerDeleted = "remote_mcp_server.deleted",
    AgentMcpServerAttached = "agent.mcp_server_attached",
    AgentMcpServerDetached = "agent.mcp_server_detached",
    MemberDeactivated = "member.deactivated",
    MemberReactivated = "member.reactivated",
    MemberAdded = "member.added",
    MemberRoleChanged = "member.role_changed",
    WebhookCreated = "webhook.created",
    WebhookDeleted = "webhook.deleted",
    WorkspaceSettingsChanged = "workspace.settings_changed",
    OAuthProviderCreated = "oauth_provider.created",
    OAuthProviderUpdated = "oauth_provider.updated",
    OAuthProviderDeleted = "oauth_provider.deleted",
    AgentConnectionNeedChanged = "agent.connection_need_changed",
    ConnectionConnected = "connection.connected",
    ConnectionDisconnected = "connection.disconnected",
    ConnectionReconnectNeeded = "connection.reconnect_needed",
    UserPasswordChanged = "user.password_changed",
    MemberPasswordReset = "member.password_reset",
    MemberPasswordLinkCreated = "member.password_link_created",
    UserPasswordSetWithLink = "user.password_set_with_link",
    UserPasswordResetByOperator = "user.password_reset_by_operator",
}

/// A name that is no event kind of this version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEventKind(pub String);

impl fmt::Display for UnknownEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no event kind is named {:?}", self.0)
    }
}

impl std::error::Error for UnknownEventKind {}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A typed payload: the `data` of the events of [`Self::KINDS`], which is
/// all a writer may record as an event's data.
pub trait EventData: Serialize {
    /// The kinds whose data has this shape (most shapes have one).
    const KINDS: &'static [EventKind];
}

/// A typed payload of exactly one kind, which it therefore names.
pub trait EventPayload: EventData {
    const KIND: EventKind;
}

/// Reads a field that is written as null by some writers and left out by
/// others: absent is `None`, null is `Some` of null, so that reading and
/// writing again gives the same bytes.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

macro_rules! payloads {
    ($($kind:ident($payload:ident),)*) => {
        /// An event's `data`, read as its kind's payload.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Payload<'a> {
            $($kind($payload),)*
            /// A kind this version does not know, a kind without a payload
            /// (`rule.scope`), or data that does not read as its kind's:
            /// the raw JSON.
            Other(&'a Value),
        }

        impl<'a> Payload<'a> {
            /// Reads the data of an event of kind `kind` (as stored, so
            /// possibly a kind of another version).
            pub fn read(kind: &str, data: &'a Value) -> Self {
                let read = match kind.parse::<EventKind>() {
                    $(Ok(EventKind::$kind) => $payload::deserialize(data).map(Payload::$kind),)*
                    _ => return Payload::Other(data),
                };
                read.unwrap_or(Payload::Other(data))
            }
        }
    };
}

/// Declares the kinds each payload type is the data of; a type of one kind
/// is also its [`EventPayload`].
macro_rules! payload_kinds {
    ($($payload:ident: $kind:ident $(| $more:ident)*;)*) => {
        $(payload_kinds!(@one $payload: $kind $(| $more)*);)*
    };
    (@one $payload:ident: $kind:ident) => {
        impl EventData for $payload {
            const KINDS: &'static [EventKind] = &[EventKind::$kind];
        }
        impl EventPayload for $payload {
            const KIND: EventKind = EventKind::$kind;
        }
    };
    (@one $payload:ident: $kind:ident $(| $more:ident)+) => {
        impl EventData for $payload {
            const KINDS: &'static [EventKind] = &[EventKind::$kind $(, EventKind::$more)+];
        }
    };
}

impl Payload<'_> {
    /// The tool the event is about: a call's, a tool added to the catalog,
    /// or the one an event of a kind this version does not know names as
    /// `tool`.
    pub fn tool(&self) -> Option<&str> {
        let tool = match self {
            Payload::ToolCallRequested(requested) => &requested.tool,
            Payload::PolicyDecision(decided) => &decided.tool,
            Payload::ApprovalRequested(requested) => &requested.tool,
            Payload::ApprovalResolved(resolved) => &resolved.tool,
            Payload::ToolCallResult(answered) => &answered.tool,
            Payload::ToolCreated(created) => &created.tool,
            Payload::ToolDiscovered(discovered) => &discovered.tool,
            Payload::Other(data) => return data.get("tool").and_then(Value::as_str),
            _ => return None,
        };
        Some(tool.as_str()).filter(|tool| !tool.is_empty())
    }

    /// What the event decided, as a search by decision finds it: a
    /// resolved request's outcome (`allow` or `deny`), or the rules'
    /// decision (`allow`, `deny` or `ask`); for an event of a kind this
    /// version does not know, its `outcome` or `decision` if one of those.
    pub fn decision(&self) -> Option<&'static str> {
        const OUTCOMES: &[&str] = &["allow", "deny"];
        const DECISIONS: &[&str] = &["allow", "deny", "ask"];
        let named = |value: Option<&str>, names: &[&'static str]| {
            value.and_then(|value| names.iter().copied().find(|name| *name == value))
        };
        match self {
            Payload::ApprovalResolved(resolved) => named(Some(&resolved.outcome), OUTCOMES)
                .or_else(|| named(Some(&resolved.decision), DECISIONS)),
            Payload::PolicyDecision(decided) => named(Some(&decided.decision), DECISIONS),
            Payload::Other(data) => {
                let field = |key: &str| data.get(key).and_then(Value::as_str);
                named(field("outcome"), OUTCOMES).or_else(|| named(field("decision"), DECISIONS))
            }
            _ => None,
        }
    }
}

payloads! {
    RunStarted(RunStarted),
    RunClaimed(RunClaimed),
    ToolCallRequested(ToolCallRequested),
    PolicyDecision(PolicyDecision),
    ApprovalRequested(ApprovalRequested),
    ApprovalResolved(ApprovalResolved),
    ToolCallResult(ToolCallResult),
    AgentEvent(AgentEvent),
    CredentialIssued(CredentialIssued),
    CredentialRefused(CredentialRefused),
    RunFinished(RunFinished),
    AgentCreated(AgentCreated),
    AgentUpdated(AgentChanged),
    AgentOwnershipTransferred(AgentChanged),
    AgentDeleted(AgentDeleted),
    AgentCloned(AgentCloned),
    GrantCreated(GrantSaved),
    GrantChanged(GrantSaved),
    GrantRevoked(GrantRevoked),
    CredentialWritten(CredentialWritten),
    CredentialDeleted(CredentialDeleted),
    RuleCreated(RuleEntry),
    RuleUpdated(RuleUpdated),
    RuleDeleted(RuleEntry),
    RuleReordered(RuleReordered),
    ToolCreated(ToolCreated),
    ToolDiscovered(ToolDiscovered),
    McpServerRegistered(McpServerRegistered),
    RuntimeKeyCreated(RuntimeKeyCreated),
    RuntimeKeyRevoked(RuntimeKeyRevoked),
    RemoteMcpServerRegistered(RemoteMcpServerRegistered),
    RemoteMcpServerUpdated(RemoteMcpServerUpdated),
    RemoteMcpServerDeleted(RemoteMcpServerDeleted),
    AgentMcpServerAttached(McpServerAttachment),
    AgentMcpServerDetached(McpServerAttachment),
    MemberDeactivated(Account),
    MemberReactivated(Account),
    MemberAdded(MemberAdded),
    MemberRoleChanged(MemberRoleChanged),
    WebhookCreated(WebhookCreated),
    WebhookDeleted(WebhookDeleted),
    WorkspaceSettingsChanged(WorkspaceSettingsChanged),
    OAuthProviderCreated(OAuthProviderSaved),
    OAuthProviderUpdated(OAuthProviderSaved),
    OAuthProviderDeleted(OAuthProviderDeleted),
    AgentConnectionNeedChanged(AgentConnectionNeedChanged),
    ConnectionConnected(ConnectionConnected),
    ConnectionDisconnected(ConnectionDisconnected),
    ConnectionReconnectNeeded(ConnectionReconnectNeeded),
    UserPasswordChanged(Account),
    MemberPasswordReset(Account),
    MemberPasswordLinkCreated(PasswordLinkCreated),
    UserPasswordSetWithLink(Account),
    UserPasswordResetByOperator(Account),
}

payload_kinds! {
    RunStarted: RunStarted;
    RunClaimed: RunClaimed;
    ToolCallRequested: ToolCallRequested;
    PolicyDecision: PolicyDecision;
    ApprovalRequested: ApprovalRequested;
    ApprovalResolved: ApprovalResolved;
    ToolCallResult: ToolCallResult;
    AgentEvent: AgentEvent;
    CredentialIssued: CredentialIssued;
    CredentialRefused: CredentialRefused;
    RunFinished: RunFinished;
    AgentCreated: AgentCreated;
    AgentChanged: AgentUpdated | AgentOwnershipTransferred;
    AgentDeleted: AgentDeleted;
    AgentCloned: AgentCloned;
    GrantSaved: GrantCreated | GrantChanged;
    GrantRevoked: GrantRevoked;
    CredentialWritten: CredentialWritten;
    CredentialDeleted: CredentialDeleted;
    RuleEntry: RuleCreated | RuleDeleted;
    RuleUpdated: RuleUpdated;
    RuleReordered: RuleReordered;
    ToolCreated: ToolCreated;
    ToolDiscovered: ToolDiscovered;
    McpServerRegistered: McpServerRegistered;
    RuntimeKeyCreated: RuntimeKeyCreated;
    RuntimeKeyRevoked: RuntimeKeyRevoked;
    RemoteMcpServerRegistered: RemoteMcpServerRegistered;
    RemoteMcpServerUpdated: RemoteMcpServerUpdated;
    RemoteMcpServerDeleted: RemoteMcpServerDeleted;
    McpServerAttachment: AgentMcpServerAttached | AgentMcpServerDetached;
    Account: MemberDeactivated | MemberReactivated | UserPasswordChanged | MemberPasswordReset
        | UserPasswordSetWithLink | UserPasswordResetByOperator;
    MemberAdded: MemberAdded;
    MemberRoleChanged: MemberRoleChanged;
    PasswordLinkCreated: MemberPasswordLinkCreated;
    WebhookCreated: WebhookCreated;
    WebhookDeleted: WebhookDeleted;
    WorkspaceSettingsChanged: WorkspaceSettingsChanged;
    OAuthProviderSaved: OAuthProviderCreated | OAuthProviderUpdated;
    OAuthProviderDeleted: OAuthProviderDeleted;
    AgentConnectionNeedChanged: AgentConnectionNeedChanged;
    ConnectionConnected: ConnectionConnected;
    ConnectionDisconnected: ConnectionDisconnected;
    ConnectionReconnectNeeded: ConnectionReconnectNeeded;
}

/// `run.started`: a run began.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunStarted {
    /// What the run was given (for a client integration's session, what
    /// the client said of itself).
    pub input: Value,
    /// `fixed` or `user`.
    pub credential_model: String,
    /// The user the run acts for; null when a fixed agent's worker started
    /// it on its own.
    pub started_by: Option<String>,
    /// The runtime key that started the run, if one did.
    pub started_by_key: Option<KeyReference>,
    /// Set (true) only for an interactive run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interactive: Option<bool>,
    /// The agent's own id for an interactive run.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub external_id: Option<Option<String>>,
}

/// A runtime key as the trace names it: its id, name and creator.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyReference {
    pub id: String,
    pub name: String,
    pub created_by: String,
}

/// `run.claimed`: a worker took the run; its key is the actor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunClaimed {}

/// `tool_call.requested`: the agent asked about a tool call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolCallRequested {
    pub tool_call_id: String,
    /// The catalog tool the call is judged as.
    pub tool: String,
    /// The input as sent (a string or an object), redacted.
    pub input: Value,
    pub working_dir: Option<String>,
    /// The tool as a client integration named it (Claude Code's `Bash`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_tool: Option<String>,
}

/// `policy.decision`: what the rules decided about a call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyDecision {
    pub tool_call_id: String,
    pub tool: String,
    /// `allow`, `deny` or `ask`.
    pub decision: String,
    /// Why: the policy engine's reason, as it encodes it (redacted).
    pub reason: Value,
    /// The deciding rule as it read then; null when no rule decided.
    pub rule: Option<DecidingRule>,
    /// The policy engine's risk assessment, `{"level", "reasons"}`.
    pub risk: Value,
    /// For shell commands, the verdict of each simple command (redacted).
    pub commands: Value,
    /// The run's allowance that decided, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_allowance: Option<Value>,
}

impl PolicyDecision {
    /// The kind of the reason (`rule`, `mode`, `run_allowance`, …).
    pub fn reason_kind(&self) -> Option<&str> {
        self.reason.get("kind").and_then(Value::as_str)
    }

    /// The risk level, when the decision assessed one.
    pub fn risk_level(&self) -> Option<&str> {
        self.risk.get("level").and_then(Value::as_str)
    }
}

/// A rule as it read when it decided a call. The fields are in the order
/// of their names, as JSON maps keep them, so that the REST answer naming
/// the rule reads the same as the event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DecidingRule {
    pub action: String,
    pub id: String,
    pub note: String,
    pub pattern: Option<String>,
    pub tool: String,
}

/// `approval.requested`: a call waits for a reviewer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalRequested {
    pub approval_id: String,
    pub tool_call_id: String,
    pub tool: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// `approval.resolved`: a reviewer decided a request, or it expired, was
/// withdrawn or was cancelled with its run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalResolved {
    pub approval_id: String,
    pub tool_call_id: String,
    pub tool: String,
    /// Who decided; absent on expiry and withdrawal, which have no actor.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub reviewer: Option<Option<String>>,
    /// `allow_once`, `always_allow`, `allow_for_run`, `edit`, `deny`,
    /// `expired`, `withdrawn` or `cancelled`.
    pub decision: String,
    /// `allow` or `deny`.
    pub outcome: String,
    pub message: Option<String>,
    /// The input as the reviewer edited it (null when not edited); only a
    /// reviewer's decision has it.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub edited_input: Option<Value>,
    /// The rule *Always allow* added; only a reviewer's decision has it.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub rule: Option<Option<AddedRule>>,
    /// What `allow_for_run` allows later calls of the run: one object, or
    /// an array for several subjects; only a reviewer's decision has it.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub run_allowance: Option<Value>,
}

/// The rule a reviewer's *Always allow* added.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddedRule {
    pub id: String,
    pub layer: String,
    pub pattern: Option<String>,
}

/// `tool_call.result`: what the tool answered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolCallResult {
    pub tool_call_id: String,
    pub tool: String,
    /// The tool's output (redacted); null when it failed.
    pub output: Option<Value>,
    /// Why it failed (redacted); null when it answered.
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
}

/// `agent.event`: whatever the agent recorded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentEvent {
    pub event: Value,
}

/// `credential.issued`: a credential was handed over (never its value).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CredentialIssued {
    /// A version of the agent's named secret.
    Secret {
        name: String,
        version: i64,
        service_account: String,
    },
    /// The run user's token at an OAuth provider (`name` is the
    /// provider's).
    Oauth {
        name: String,
        connection: String,
        user: String,
        /// As the connection holds them, space-separated.
        scopes: String,
    },
    /// A remote MCP server's header secret, which Bosun added to the run's
    /// requests itself (`used_by: "bosun"`).
    McpHeader {
        name: String,
        server: String,
        header: String,
        used_by: String,
    },
}

/// `credential.refused`: a credential was asked for and not handed over.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialRefused {
    pub name: String,
    pub reason: String,
}

/// `run.finished`: the run ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunFinished {
    /// `succeeded`, `failed` or `cancelled`.
    pub status: String,
    pub output: Value,
    /// The person who cancelled the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    /// Why Bosun ended it (`abandoned`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How long an abandoned run had been idle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_seconds: Option<u64>,
}
