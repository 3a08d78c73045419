//! The approval inbox over REST: requests the caller may decide, the rule
//! "Always allow" would add for one, the decision an edit would get, and
//! their decisions.

use axum::Json;
use axum::extract::{Path, State};
use bosun_policy::Decision;
use bosun_service::ids::ApprovalId;
use bosun_service::runs::approvals::{ReviewDecision, RuleSuggestion};
use bosun_wire::approvals::{AlwaysAllowPreview, Approval};
use bosun_wire::list::List;
use bosun_wire::vocabulary::{ApprovalStatus, ReviewChoice};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery};
use crate::application::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `pending` (default), `approved`, `denied`, `expired`, `withdrawn` or
    /// `cancelled`.
    #[param(value_type = Option<ApprovalStatus>)]
    status: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `allow_once`, `always_allow`, `allow_for_run` (this call and every
    /// later call of the tool with the same subject in the same run),
    /// `edit` or `deny`.
    #[schema(value_type = ReviewChoice)]
    decision: String,
    /// For `edit`: the input to run instead, of the request's shape (a
    /// string, or an object the tool's schema accepts).
    #[schema(schema_with = bosun_wire::schemas::optional_tool_input)]
    input: Option<serde_json::Value>,
    /// For `always_allow`: the rule to add.
    rule: Option<RuleInput>,
    /// Told to the agent.
    message: Option<String>,
    /// For `always_allow`: add the rule although it overrides the stricter
    /// rules its suggestion lists under `overrides` (without it, such a
    /// decision answers 409 `confirmation_required`).
    #[serde(default)]
    confirm_overrides: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
// Named apart from the rules API's own `RuleInput`, which it would
// otherwise replace in the OpenAPI document.
#[schema(as = AlwaysAllowRuleInput)]
pub struct RuleInput {
    /// `agent` or `workspace`.
    #[schema(example = "agent")]
    scope: String,
    /// A rule pattern, as in the rules API (`RuleInput.pattern`, whose
    /// description says how much of the grammar the schema checks).
    #[schema(
        example = "rm -rf /tmp/*",
        max_length = 4096,
        pattern = r"^(?:[^\\\u0000]|\\[*\\])*$"
    )]
    pattern: Option<String>,
}

/// Requests the caller may decide.
#[utoipa::path(get, path = "/approvals", tag = "approvals", params(ListParams), security(("personal_token" = [])),
    responses((status = 200, body = List<Approval>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<List<Approval>>, ApiError> {
    let status = params.status.as_deref().unwrap_or("pending");
    let approvals = state.bosun.list_approvals(&principal, status).await?;
    Ok(Json(List::complete(
        approvals.into_iter().map(Approval::from).collect(),
    )))
}

/// Decides a request, once; a second decision, or one after the request
/// expired, answers 409 `already_decided`; a withdrawn request answers 409
/// `not_decidable`, saying why.
#[utoipa::path(post, path = "/approvals/{id}/decision", tag = "approvals",
    params(("id" = String, Path, description = "The approval request's id")), request_body = DecisionInput,
    security(("personal_token" = [])),
    responses((status = 200, body = Approval), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<Approval>, ApiError> {
    let review = ReviewDecision {
        decision: input.decision,
        input: input.input,
        rule: input.rule.map(|rule| RuleSuggestion {
            scope: rule.scope,
            pattern: rule.pattern,
        }),
        message: input.message,
        confirm_overrides: input.confirm_overrides,
    };
    let approval = state
        .bosun
        .decide_approval(&principal, &ApprovalId::parse(&id)?, review)
        .await?;
    Ok(Json(approval.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionParams {
    /// `agent` (default) or `workspace` (admins): the list the rule would
    /// be added to.
    scope: Option<String>,
}

/// The narrowest "Always allow" rule for a waiting request: the rule, the
/// list it would go to (`scopes` lists those the caller may write), the
/// agent's recent requests it would also allow, the stricter rules it
/// would override or shadow (deciding with them needs
/// `"confirm_overrides": true`), and, when the request would still not be
/// allowed, what decides it instead (`still_decided`).
#[utoipa::path(get, path = "/approvals/{id}/suggestion", tag = "approvals", params(("id" = String, Path, description = "The approval request's id"), SuggestionParams),
    security(("personal_token" = [])),
    responses((status = 200, description = "The suggested rule and what adding it would change", body = AlwaysAllowPreview),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn suggestion(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SuggestionParams>,
) -> Result<Json<AlwaysAllowPreview>, ApiError> {
    let preview = state
        .bosun
        .always_allow_preview(
            &principal,
            &ApprovalId::parse(&id)?,
            params.scope.as_deref(),
            None,
        )
        .await?;
    Ok(Json(preview))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// The edited input: a string, or an object the tool's schema accepts.
    #[schema(schema_with = bosun_wire::schemas::tool_input)]
    input: serde_json::Value,
}

/// What the rules would decide for a waiting request's call with an edited
/// input, before a reviewer approves it (an edit the rules deny cannot be
/// approved). Nothing is recorded; those who may decide the request may ask.
#[utoipa::path(post, path = "/approvals/{id}/preview", tag = "approvals",
    params(("id" = String, Path, description = "The approval request's id")), request_body = PreviewInput,
    security(("personal_token" = [])),
    responses((status = 200, description = "The decision, as `POST /agents/{id}/evaluate` answers it (without its warnings)", body = Decision),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PreviewInput>,
) -> Result<Json<Decision>, ApiError> {
    let decision = state
        .bosun
        .preview_edit(&principal, &ApprovalId::parse(&id)?, &input.input)
        .await?;
    Ok(Json(decision))
}
