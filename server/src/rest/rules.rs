//! Permission rules over REST: an agent's own rules (its editors), the
//! workspace's rules and enforced guardrails (admins), and the dry-run
//! evaluation of a tool call.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::ids::{AgentId, RuleId};
use bosun_service::rules::{RuleDraft, RuleInfo, RuleList};
use bosun_wire::list::List;
use bosun_wire::rules::{Evaluation, Rule};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

fn list_body(rules: Vec<RuleInfo>) -> Json<List<Rule>> {
    Json(List::complete(rules.into_iter().map(Rule::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    #[schema(example = "delete_file")]
    tool: String,
    #[schema(value_type = bosun_wire::vocabulary::Action)]
    action: String,
    /// Empty or absent: the rule matches every argument. `*` is a
    /// wildcard, `\*` and `\\` a literal star and backslash; no other
    /// backslash and no NUL. The schema's `pattern` checks only that much
    /// of the grammar (and `maxLength` counts characters where the limit is
    /// 4096 bytes): how far `*` reaches depends on the tool's argument kind,
    /// which is checked when the rule is saved.
    #[schema(
        example = "/etc/*",
        max_length = 4096,
        pattern = r"^(?:[^\\\u0000]|\\[*\\])*$"
    )]
    pattern: Option<String>,
    note: Option<String>,
    /// Workspace rules only: a guardrail evaluated before every agent's rules.
    #[serde(default)]
    enforced: bool,
}

impl RuleInput {
    fn draft(self) -> RuleDraft {
        RuleDraft {
            tool: self.tool,
            action: self.action,
            pattern: self.pattern,
            note: self.note,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// Every rule id of the list, in the new order.
    order: Vec<String>,
    /// Workspace rules only: reorder the enforced list.
    #[serde(default)]
    enforced: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateInput {
    #[schema(example = "system_shell")]
    tool: String,
    #[schema(example = "npm ci && rm -rf /")]
    input: String,
    /// Where relative paths start; `/` when absent.
    working_dir: Option<String>,
}

fn agent_list(id: &str) -> bosun_service::Result<RuleList> {
    Ok(RuleList::Agent(AgentId::parse(id)?))
}

fn workspace_list(enforced: bool) -> RuleList {
    if enforced {
        RuleList::Enforced
    } else {
        RuleList::Workspace
    }
}

/// The agent's own rules, in order.
#[utoipa::path(get, path = "/agents/{id}/rules", tag = "rules",
    params(("id" = String, Path, description = "The agent's id")), security(("personal_token" = [])),
    responses((status = 200, body = List<Rule>), (status = 404, body = ErrorBody)))]
pub async fn list_agent_rules(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<Rule>>, ApiError> {
    Ok(list_body(
        state.bosun.rules(&principal, &agent_list(&id)?).await?,
    ))
}

/// Adds a rule at the end of the agent's list.
#[utoipa::path(post, path = "/agents/{id}/rules", tag = "rules",
    params(("id" = String, Path, description = "The agent's id")), request_body = RuleInput,
    security(("personal_token" = [])),
    responses((status = 201, body = Rule), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn add_agent_rule(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<(StatusCode, Json<Rule>), ApiError> {
    if input.enforced {
        return Err(
            bosun_service::Error::invalid("enforced", "is only for workspace rules").into(),
        );
    }
    let rule = state
        .bosun
        .add_rule(&principal, &agent_list(&id)?, input.draft())
        .await?;
    Ok((StatusCode::CREATED, Json(rule.into())))
}

/// Puts the agent's rules in a new order.
#[utoipa::path(put, path = "/agents/{id}/rules", tag = "rules",
    params(("id" = String, Path, description = "The agent's id")), request_body = OrderInput,
    security(("personal_token" = [])),
    responses((status = 200, body = List<Rule>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn reorder_agent_rules(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<Json<List<Rule>>, ApiError> {
    Ok(list_body(
        state
            .bosun
            .reorder_rules(&principal, &agent_list(&id)?, &input.order)
            .await?,
    ))
}

/// Changes one of the agent's rules.
#[utoipa::path(patch, path = "/agents/{id}/rules/{rule_id}", tag = "rules",
    params(("id" = String, Path, description = "The agent's id"), ("rule_id" = String, Path, description = "The agent rule's id")), request_body = RuleInput,
    security(("personal_token" = [])),
    responses((status = 200, body = Rule), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update_agent_rule(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, rule_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<Json<Rule>, ApiError> {
    let rule = state
        .bosun
        .update_rule(
            &principal,
            &agent_list(&id)?,
            &RuleId::parse(&rule_id)?,
            input.draft(),
        )
        .await?;
    Ok(Json(rule.into()))
}

/// Deletes one of the agent's rules.
#[utoipa::path(delete, path = "/agents/{id}/rules/{rule_id}", tag = "rules",
    params(("id" = String, Path, description = "The agent's id"), ("rule_id" = String, Path, description = "The agent rule's id")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_agent_rule(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, rule_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .delete_rule(&principal, &agent_list(&id)?, &RuleId::parse(&rule_id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The workspace's enforced rules, then its workspace rules (admins).
#[utoipa::path(get, path = "/rules", tag = "rules", security(("personal_token" = [])),
    responses((status = 200, body = List<Rule>), (status = 403, body = ErrorBody)))]
pub async fn list_workspace_rules(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<Rule>>, ApiError> {
    let mut rules = state.bosun.rules(&principal, &RuleList::Enforced).await?;
    rules.extend(state.bosun.rules(&principal, &RuleList::Workspace).await?);
    Ok(list_body(rules))
}

/// Adds a workspace rule, or with `enforced: true` a guardrail (admins).
#[utoipa::path(post, path = "/rules", tag = "rules", request_body = RuleInput, security(("personal_token" = [])),
    responses((status = 201, body = Rule), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn add_workspace_rule(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<(StatusCode, Json<Rule>), ApiError> {
    let list = workspace_list(input.enforced);
    let rule = state
        .bosun
        .add_rule(&principal, &list, input.draft())
        .await?;
    Ok((StatusCode::CREATED, Json(rule.into())))
}

/// Puts the workspace rules (or, with `enforced: true`, the guardrails) in a new order (admins).
#[utoipa::path(put, path = "/rules", tag = "rules", request_body = OrderInput, security(("personal_token" = [])),
    responses((status = 200, body = List<Rule>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn reorder_workspace_rules(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<Json<List<Rule>>, ApiError> {
    let list = workspace_list(input.enforced);
    Ok(list_body(
        state
            .bosun
            .reorder_rules(&principal, &list, &input.order)
            .await?,
    ))
}

/// Changes a workspace rule (admins). Its list (enforced or not) stays.
#[utoipa::path(patch, path = "/rules/{id}", tag = "rules",
    params(("id" = String, Path, description = "The workspace rule's id")), request_body = RuleInput, security(("personal_token" = [])),
    responses((status = 200, body = Rule), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update_workspace_rule(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<Json<Rule>, ApiError> {
    let id = RuleId::parse(&id)?;
    let list = state.bosun.workspace_rule_list(&principal, &id).await?;
    let rule = state
        .bosun
        .update_rule(&principal, &list, &id, input.draft())
        .await?;
    Ok(Json(rule.into()))
}

/// Deletes a workspace rule (admins).
#[utoipa::path(delete, path = "/rules/{id}", tag = "rules",
    params(("id" = String, Path, description = "The workspace rule's id")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_workspace_rule(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = RuleId::parse(&id)?;
    let list = state.bosun.workspace_rule_list(&principal, &id).await?;
    state.bosun.delete_rule(&principal, &list, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What would be decided for a tool call, and why; nothing is recorded (editors).
#[utoipa::path(post, path = "/agents/{id}/evaluate", tag = "rules",
    params(("id" = String, Path, description = "The agent's id")), request_body = EvaluateInput,
    security(("personal_token" = [])),
    responses((status = 200, description = "The decision, its reason and risk, and the rule analysis's `warnings` about the agent's rules", body = Evaluation),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn evaluate(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EvaluateInput>,
) -> Result<Json<Evaluation>, ApiError> {
    let evaluation = state
        .bosun
        .evaluate(
            &principal,
            &AgentId::parse(&id)?,
            &input.tool,
            &input.input,
            input.working_dir.as_deref(),
        )
        .await?;
    Ok(Json(evaluation))
}
