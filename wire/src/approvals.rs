//! The approval inbox as the REST API and the pages show it: a request for
//! approval, and the rule "Always allow" would add for one.

use bosun_policy::suggest::StillDecided;
use bosun_policy::{Action, Layer, Reason, Risk};
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::vocabulary::{ApprovalDecision, ApprovalStatus};

/// A paused tool call waiting for (or resolved by) a reviewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub run_id: String,
    pub tool_call_id: String,
    /// The catalog tool the call was judged as.
    pub tool: String,
    /// The tool as the agent's client named it (Claude Code's `Bash`),
    /// when its call was judged as `tool`; `input` is then that client's
    /// whole tool input, and an edit takes the same shape.
    pub client_tool: Option<String>,
    /// A string, or a JSON object; secrets redacted.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schemas::tool_input))]
    pub input: serde_json::Value,
    /// Where the call's relative paths start.
    pub working_dir: Option<String>,
    /// Why it was asked: a rule, the execution mode, or what could not be
    /// judged.
    pub reason: Reason,
    pub risk: Risk,
    /// `withdrawn`: whoever the run acts for lost access to the agent
    /// before anyone decided; `cancelled`: its run was cancelled or ended
    /// first.
    pub status: ApprovalStatus,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
    /// The reviewer who decided it; null while pending or when it closed
    /// without one.
    pub decided_by: Option<String>,
    pub decision: Option<ApprovalDecision>,
    /// The reviewer's message, or why the request expired or was withdrawn.
    pub message: Option<String>,
    /// The user who started the run, on whose behalf it acts; null when a
    /// runtime key did.
    pub started_by: Option<String>,
    pub started_by_name: Option<String>,
    /// The runtime key that started the run, if one did.
    pub started_by_key: Option<String>,
}

/// The rule "Always allow" would add for a request, and what adding it
/// would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlwaysAllowPreview {
    pub rule: ProposedRule,
    /// The list the rule goes to: `agent` or `workspace`.
    pub scope: Layer,
    /// The lists the caller may add it to.
    pub scopes: Vec<Layer>,
    /// Recent requests of the agent (other than this one) that the rule
    /// would also allow, newest first: each one's subject (the input
    /// itself for a string).
    pub also_matches: Vec<String>,
    /// Rules evaluated after the new one that it would override or shadow
    /// where they say `ask` or `deny`; deciding with the rule then needs
    /// `"confirm_overrides": true`.
    pub overrides: Vec<OverriddenRule>,
    /// When the request would still not be allowed: what decides instead.
    pub still_decided: Option<StillDecided>,
}

/// A rule as "Always allow" would write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedRule {
    pub tool: String,
    pub action: Action,
    /// Null: every input of the tool.
    pub pattern: Option<String>,
}

/// A rule the new one would decide before, with what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverriddenRule {
    pub layer: Layer,
    pub rule_id: String,
    /// Its 1-based position in its list.
    pub position: usize,
    pub tool: String,
    pub action: Action,
    pub pattern: Option<String>,
}

impl OverriddenRule {
    /// The rule as a reviewer reads it: `workspace rule #1: ask system_shell
    /// `git push *``.
    pub fn describe(&self) -> String {
        format!(
            "{} rule #{}: {} {}{}",
            self.layer.as_str(),
            self.position,
            self.action,
            self.tool,
            self.pattern
                .as_deref()
                .map(|p| format!(" `{p}`"))
                .unwrap_or_default()
        )
    }
}
