//! The approval inbox: requests the logged-in reviewer may decide.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::tools::ToolView;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub run_id: String,
    pub tool: String,
    pub input: String,
    /// `safe`, `caution`, `dangerous` or `unknown`.
    pub risk: String,
    pub risk_reasons: Vec<String>,
    /// Who started the run, on whose behalf it acts; none for a key-started run.
    pub started_by: Option<String>,
    /// Milliseconds since the Unix epoch, so the page can count.
    pub requested_at_ms: i64,
    pub expires_at_ms: i64,
    /// The same agent's recent inputs to the same tool.
    pub recent_inputs: Vec<String>,
    /// The tool as the catalog describes it (for previews in the browser).
    pub tool_info: Option<ToolView>,
}

/// A reviewer's answer, as the inbox form holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    /// `allow_once`, `always_allow`, `edit` or `deny`.
    pub decision: String,
    pub input: String,
    /// `agent` or `workspace`, for always allow.
    pub rule_scope: String,
    pub rule_pattern: String,
    pub message: String,
}

#[server(prefix = "/fn", endpoint = "inbox/list")]
pub async fn pending_approvals() -> Result<Vec<ApprovalView>, AppError> {
    use super::ssr::{bosun, principal};

    let (bosun, principal) = (bosun()?, principal().await?);
    let tools = bosun.list_tools(&principal).await?;
    let mut views = Vec::new();
    for approval in bosun.list_approvals(&principal, "pending").await? {
        let recent_inputs = bosun.recent_inputs(&principal, &approval).await?;
        let risk = &approval.risk;
        views.push(ApprovalView {
            id: approval.id.to_string(),
            agent_id: approval.agent_id.to_string(),
            agent_name: approval.agent_name.clone(),
            run_id: approval.run_id.clone(),
            input: approval.input.clone(),
            risk: risk["level"].as_str().unwrap_or("unknown").to_owned(),
            risk_reasons: risk["reasons"]
                .as_array()
                .map(|reasons| {
                    reasons
                        .iter()
                        .filter_map(|r| r.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            started_by: approval.started_by_name.clone(),
            requested_at_ms: approval.requested_at.timestamp_millis(),
            expires_at_ms: approval.expires_at.timestamp_millis(),
            recent_inputs,
            tool_info: tools
                .iter()
                .find(|t| t.name == approval.tool)
                .cloned()
                .map(ToolView::from),
            tool: approval.tool,
        });
    }
    Ok(views)
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
        input: Some(review.input).filter(|i| !i.is_empty()),
        message: Some(review.message).filter(|m| !m.trim().is_empty()),
        decision: review.decision,
    };
    bosun()?
        .decide_approval(
            &principal().await?,
            &ApprovalId::from_string(approval_id),
            decision,
        )
        .await?;
    Ok(())
}
