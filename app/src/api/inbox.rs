//! The approval inbox: requests the logged-in reviewer may decide, the rule
//! "Always allow" would add, the decision an edited call would get, and the
//! reviewer's decisions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use bosun_policy::Layer;
use bosun_wire::vocabulary::{ApprovalDecision, ApprovalStatus, RiskLevel};

use crate::components::tool_input::CallInput;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub run_id: String,
    /// The catalog tool the call was judged as.
    pub tool: String,
    /// The tool as the client named it (Claude Code's `Bash`), when an
    /// integration judged a client's own call as the catalog tool.
    pub client_tool: Option<String>,
    /// The input as the edit form starts from: a string input as it is, an
    /// object as indented JSON.
    pub input: String,
    /// Whether the input is a JSON object (edits must be one too).
    pub structured: bool,
    /// The whole input, laid out for reading.
    pub call: CallInput,
    /// Why it was asked: the rule or the mode, in words.
    pub why: String,
    /// The page of the rules that asked.
    pub why_link: String,
    pub risk: RiskLevel,
    pub risk_reasons: Vec<String>,
    /// Who started the run, on whose behalf it acts; none for a key-started run.
    pub started_by: Option<String>,
    /// Milliseconds since the Unix epoch, so the page can count.
    pub requested_at_ms: i64,
    pub expires_at_ms: i64,
}

/// A reviewer's answer, as the inbox form holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    /// `allow_once`, `always_allow`, `allow_for_run`, `edit` or `deny`.
    pub decision: String,
    pub input: String,
    /// `agent` or `workspace`, for always allow.
    pub rule_scope: String,
    pub rule_pattern: String,
    pub message: String,
    /// For edit: `input` is JSON text of an object.
    pub structured: bool,
    /// For always allow: the reviewer saw the stricter rules it overrides.
    pub confirm_overrides: bool,
}

#[server(prefix = "/fn", endpoint = "inbox/list")]
pub async fn pending_approvals() -> Result<Vec<ApprovalView>, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let mut views = Vec::new();
    for approval in bosun.list_approvals(&principal, "pending").await? {
        views.push(ApprovalView {
            id: approval.id.to_string(),
            agent_id: approval.agent_id.to_string(),
            agent_name: approval.agent_name.clone(),
            run_id: approval.run_id.clone(),
            input: match &approval.input {
                serde_json::Value::String(text) => text.clone(),
                object => serde_json::to_string_pretty(object).unwrap_or_default(),
            },
            structured: approval.input.is_object(),
            call: CallInput::new(&approval.input, approval.working_dir.clone()),
            why: why_asked(&approval.reason),
            why_link: format!("/agents/{}/permissions", approval.agent_id),
            risk: approval.risk.level,
            risk_reasons: approval
                .risk
                .reasons
                .iter()
                .map(|r| r.to_string())
                .collect(),
            started_by: approval.started_by_name.clone(),
            requested_at_ms: approval.requested_at.timestamp_millis(),
            expires_at_ms: approval.expires_at.timestamp_millis(),
            tool: approval.tool,
            client_tool: approval.client_tool,
        });
    }
    Ok(views)
}

/// Why a request was asked, in words: the rule (its list and position) or
/// the mode.
#[cfg(feature = "ssr")]
fn why_asked(reason: &bosun_policy::Reason) -> String {
    use bosun_policy::Reason;
    match reason {
        Reason::Rule {
            layer, position, ..
        } => {
            let list = match layer {
                Layer::Agent => "the agent's rules",
                Layer::Enforced => "the enforced workspace rules",
                Layer::Workspace => "the workspace rules",
            };
            format!("Asked by rule #{position} of {list}")
        }
        Reason::Mode { mode } => format!(
            "Asked by the agent's {} mode (no rule matched)",
            mode.as_str().replace('_', "-")
        ),
        Reason::UnknownTool { .. } => "Asked because the tool is not in the catalog".into(),
        Reason::InvalidInput { message } | Reason::Unanalysable { message } => {
            format!("Asked: {message}")
        }
        Reason::RunAllowance | Reason::ClientInternal { .. } => "Asked".into(),
    }
}

/// The edit a reviewer typed: text for a string input, JSON for an object.
#[cfg(feature = "ssr")]
fn edited_input(
    input: &str,
    structured: bool,
) -> Result<Option<serde_json::Value>, bosun_service::Error> {
    if input.is_empty() {
        return Ok(None);
    }
    if !structured {
        return Ok(Some(serde_json::Value::String(input.to_owned())));
    }
    serde_json::from_str(input)
        .map(Some)
        .map_err(|e| bosun_service::Error::invalid("input", format!("is not valid JSON: {e}")))
}

/// What the rules would decide for the call with an edited input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditPreview {
    /// `allow`, `ask` or `deny`.
    pub decision: String,
    /// Why, in words.
    pub why: String,
}

/// What the rules would decide for a request's call with `input` instead
/// (JSON text when `structured`); nothing is recorded.
#[server(prefix = "/fn", endpoint = "inbox/preview")]
pub async fn preview_edit(
    approval_id: String,
    input: String,
    structured: bool,
) -> Result<EditPreview, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::ApprovalId;

    let input = edited_input(&input, structured)?
        .ok_or_else(|| bosun_service::Error::invalid("input", "is required"))?;
    let decision = bosun()?
        .preview_edit(
            &principal().await?,
            &ApprovalId::parse(&approval_id)?,
            &input,
        )
        .await?;
    Ok(EditPreview {
        decision: decision.action.to_string(),
        why: crate::policy_view::reason_text(&decision.reason, &|_| None),
    })
}

#[server(prefix = "/fn", endpoint = "inbox/count")]
pub async fn pending_count() -> Result<usize, AppError> {
    use super::ssr::{bosun, principal};
    Ok(bosun()?.pending_count(&principal().await?).await?)
}

#[server(prefix = "/fn", endpoint = "inbox/decide")]
pub async fn decide(approval_id: String, review: ReviewForm) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::ApprovalId;
    use bosun_service::runs::approvals::{ReviewDecision, RuleSuggestion};

    let decision = ReviewDecision {
        rule: (review.decision == "always_allow").then(|| RuleSuggestion {
            scope: review.rule_scope,
            pattern: Some(review.rule_pattern).filter(|p| !p.is_empty()),
        }),
        input: edited_input(&review.input, review.structured)?,
        message: Some(review.message).filter(|m| !m.trim().is_empty()),
        confirm_overrides: review.confirm_overrides,
        decision: review.decision,
    };
    bosun()?
        .decide_approval(
            &principal().await?,
            &ApprovalId::parse(&approval_id)?,
            decision,
        )
        .await?;
    Ok(())
}

/// Where a request stands now: what the inbox shows on a card whose
/// request someone else decided while this reviewer was on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeView {
    pub status: ApprovalStatus,
    /// The decider's name.
    pub decided_by: Option<String>,
    pub decision: Option<ApprovalDecision>,
    /// The decider's message to the agent, or why the request was closed.
    pub message: Option<String>,
}

impl OutcomeView {
    /// "Decided by Ann: approved (allowed once)", "Expired before anyone
    /// decided it", …
    pub fn headline(&self) -> String {
        let how = match self.decision {
            Some(ApprovalDecision::AllowOnce) => " (allowed once)",
            Some(ApprovalDecision::AllowForRun) => " (allowed for the rest of the run)",
            Some(ApprovalDecision::AlwaysAllow) => " (always allowed: a rule was added)",
            Some(ApprovalDecision::Edit) => " (with an edited input)",
            _ => "",
        };
        let who = self.decided_by.as_deref().unwrap_or("another reviewer");
        match self.status {
            ApprovalStatus::Approved | ApprovalStatus::Denied => {
                format!("Decided by {who}: {}{how}", self.status.as_str())
            }
            ApprovalStatus::Expired => {
                "Expired before anyone decided it: the agent was told no".to_owned()
            }
            ApprovalStatus::Withdrawn => "Withdrawn: its run may no longer go on".to_owned(),
            ApprovalStatus::Cancelled => "Cancelled with its run".to_owned(),
            ApprovalStatus::Pending => "Still waiting, but no longer in your inbox".to_owned(),
        }
    }
}

/// Where a request the reviewer may decide stands now, with its decider.
#[server(prefix = "/fn", endpoint = "inbox/outcome")]
pub async fn approval_outcome(approval_id: String) -> Result<OutcomeView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::ApprovalId;

    let outcome = bosun()?
        .approval_outcome(&principal().await?, &ApprovalId::parse(&approval_id)?)
        .await?;
    Ok(OutcomeView {
        status: outcome.approval.status,
        decided_by: outcome.decided_by_name,
        decision: outcome.approval.decision,
        message: outcome.approval.message,
    })
}

/// The rule "Always allow" would add for a request: the engine's narrowest
/// suggestion, or with `own_pattern` the reviewer's `pattern` (empty: every
/// input of the tool). The flag says which, since an empty text field is
/// no pattern on the wire.
// Its answer is named in full: the server function's own argument type
// takes the name `AlwaysAllowPreview`.
#[server(prefix = "/fn", endpoint = "inbox/always-allow")]
pub async fn always_allow_preview(
    approval_id: String,
    scope: Layer,
    own_pattern: bool,
    pattern: String,
) -> Result<bosun_wire::approvals::AlwaysAllowPreview, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::ApprovalId;

    Ok(bosun()?
        .always_allow_preview(
            &principal().await?,
            &ApprovalId::parse(&approval_id)?,
            Some(scope.as_str()),
            own_pattern.then_some(pattern.as_str()),
        )
        .await?)
}
