//! Hooks of agents people already run: Claude Code POSTs each event of a
//! session here (its `"type": "http"` hooks, set up by `bosun connect
//! claude-code`) and acts on the answer. The service decides; this only
//! reads the request and hands back Claude Code's hook output.

use axum::Json;
use axum::extract::{Path, State};
use bosun_service::ids::AgentId;
use bosun_service::integrations::claude_code::{MAX_WAIT, PRE_TOOL_USE_WAIT_SECONDS};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::ApiScopedUser;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, wait_seconds};
use crate::application::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HookParams {
    /// Seconds a `PreToolUse` that asks a reviewer waits for the decision
    /// before the request expires and the answer is `deny` (0 to 3600;
    /// 590 when absent, as the hooks `bosun connect claude-code` writes
    /// say, a little under their 600-second timeout).
    #[param(maximum = 3600)]
    wait: Option<u64>,
}

/// One Claude Code hook event (`PreToolUse`, `PostToolUse`,
/// `PostToolUseFailure`, `SessionStart`, `SessionEnd`,
/// `UserPromptSubmit`) of a session run as the agent on the token
/// holder's behalf; answers Claude Code's hook output. `PreToolUse` is
/// answered `{"hookSpecificOutput": {"hookEventName": "PreToolUse",
/// "permissionDecision": "allow"|"deny", "permissionDecisionReason",
/// "updatedInput"?}}` (the reviewer's edit, if any), waiting for a
/// reviewer when the rules ask; every other event `{}`.
#[utoipa::path(post, path = "/hooks/claude-code/{agent_id}", tag = "hooks",
    params(("agent_id" = String, Path, description = "The agent whose rules judge the session"), HookParams),
    request_body(content = Object, description = "The hook event as Claude Code sends it"),
    security(("personal_token" = [])),
    responses((status = 200, description = "Claude Code's hook output", body = Object),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn claude_code(
    State(state): State<AppState>,
    ApiScopedUser(principal): ApiScopedUser,
    Path(agent): Path<String>,
    ApiQuery(params): ApiQuery<HookParams>,
    ApiJson(event): ApiJson<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let wait = wait_seconds(params.wait, PRE_TOOL_USE_WAIT_SECONDS, MAX_WAIT.as_secs())?;
    let answer = state
        .bosun
        .claude_code_event(&principal, &AgentId::parse(&agent)?, &event, wait)
        .await?;
    Ok(Json(answer))
}
