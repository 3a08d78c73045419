//! The runtime API an agent's worker speaks with its runtime key: claim a
//! run, ask before each tool call, wait for reviewers, report results and
//! events, finish. The person who started an interactive run makes the
//! same calls for it with their own token (claiming aside).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bosun_service::ids::{RunId, ToolCallId};
use bosun_service::runs::tool_calls::{ToolCallRequest, ToolCallState, ToolResult};
use bosun_service::runs::{RunEnd, Runner};
use bosun_wire::agents::Agent;
use bosun_wire::runs::Run;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{ApiAgent, ApiRunner, PresentedRunner};
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, wait_seconds};
use crate::application::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitParams {
    /// Seconds to wait for something to happen (0 to 60; default 0).
    #[param(maximum = 60)]
    wait: Option<u64>,
}

impl WaitParams {
    fn duration(&self) -> Result<Duration, ApiError> {
        wait_seconds(self.wait, 0, 60)
    }
}

/// A claimed run with its agent's definition.
#[derive(Serialize, ToSchema)]
pub struct ClaimedRun {
    pub run: ClaimedRunBody,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimedRunBody {
    #[serde(flatten)]
    pub run: Run,
    pub agent: Agent,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolCallInput {
    #[schema(example = "delete_file")]
    tool: String,
    /// A string (the subject itself), or a JSON object the tool's
    /// `input_schema` accepts, judged by its `subject`.
    #[schema(schema_with = bosun_wire::schemas::tool_input)]
    input: serde_json::Value,
    /// Retrying with the same key returns the same call.
    idempotency_key: Option<String>,
    /// Where relative paths start.
    working_dir: Option<String>,
}

/// Where a tool call stands: `allow`, `deny`, or `pending` with an approval id.
#[derive(Serialize, ToSchema)]
pub struct ToolCallBody {
    pub id: String,
    #[schema(example = "pending")]
    pub decision: String,
    /// The engine's reason (with any value issued to the run redacted
    /// from its messages).
    #[schema(value_type = bosun_policy::Reason)]
    pub reason: serde_json::Value,
    #[schema(value_type = bosun_policy::Risk)]
    pub risk: serde_json::Value,
    pub approval_id: Option<String>,
    /// The input as kept, secrets redacted (a string or an object): the
    /// reviewer's edit when `edited`, else the call's own.
    #[schema(schema_with = bosun_wire::schemas::tool_input)]
    pub input: serde_json::Value,
    /// Whether a reviewer edited the input: run `input` then, with any
    /// `[redacted…]` value filled in from the call's own input.
    pub edited: bool,
    /// The reviewer's message, if any.
    pub message: Option<String>,
    /// The rule that decided, as it read then (`{id, tool, action,
    /// pattern, note}`), for an answer that names it; absent when no rule
    /// did or the call was read back rather than decided now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<bosun_wire::events::DecidingRule>,
}

impl From<ToolCallState> for ToolCallBody {
    fn from(state: ToolCallState) -> Self {
        Self {
            id: state.id.to_string(),
            decision: state.decision,
            reason: state.reason,
            risk: state.risk,
            approval_id: state.approval_id.map(|id| id.to_string()),
            input: state.input,
            edited: state.edited,
            message: state.message,
            rule: state.rule,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    /// Any JSON value the tool produced.
    output: Option<serde_json::Value>,
    error: Option<String>,
    duration_ms: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishInput {
    /// `succeeded`, `failed` or `cancelled`.
    #[schema(value_type = String, pattern = "^(succeeded|failed|cancelled)$", example = "succeeded")]
    status: String,
    /// Any JSON value the run ended with.
    output: Option<serde_json::Value>,
}

/// Claims the agent's oldest queued run, waiting up to `wait` seconds.
#[utoipa::path(get, path = "/runtime/runs/next", tag = "runtime", params(WaitParams),
    security(("runtime_key" = [])),
    responses((status = 200, body = ClaimedRun), (status = 204, description = "No run came"),
              (status = 401, body = ErrorBody)))]
pub async fn next_run(
    State(state): State<AppState>,
    ApiAgent(key): ApiAgent,
    ApiQuery(params): ApiQuery<WaitParams>,
) -> Result<Response, ApiError> {
    match state.bosun.claim_next_run(&key, params.duration()?).await? {
        Some((run, agent)) => {
            let body = ClaimedRun {
                run: ClaimedRunBody {
                    run: run.into(),
                    agent: agent.into(),
                },
            };
            Ok(Json(body).into_response())
        }
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// Asks whether a tool call may go ahead.
#[utoipa::path(post, path = "/runtime/runs/{run}/tool-calls", tag = "runtime",
    params(("run" = String, Path, description = "The run's id")), request_body = ToolCallInput,
    security(("runtime_key" = []), ("personal_token" = [])),
    responses((status = 200, body = ToolCallBody), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn tool_call(
    State(state): State<AppState>,
    runner: PresentedRunner,
    Path(run): Path<String>,
    ApiJson(input): ApiJson<ToolCallInput>,
) -> Result<Json<ToolCallBody>, ApiError> {
    let request = ToolCallRequest {
        tool: input.tool,
        input: input.input,
        idempotency_key: input.idempotency_key,
        working_dir: input.working_dir,
        client: None,
    };
    let run = RunId::parse(&run)?;
    let state = match runner {
        PresentedRunner::Key(key) => {
            state
                .bosun
                .request_tool_call_with_key(&key, &run, request)
                .await?
        }
        PresentedRunner::Starter(principal) => {
            state
                .bosun
                .request_tool_call(&Runner::Starter(principal), &run, request)
                .await?
        }
    };
    Ok(Json(state.into()))
}

/// Where a tool call stands, waiting up to `wait` seconds while it is pending.
#[utoipa::path(get, path = "/runtime/tool-calls/{id}", tag = "runtime", params(("id" = String, Path, description = "The tool call's id"), WaitParams),
    security(("runtime_key" = []), ("personal_token" = [])),
    responses((status = 200, body = ToolCallBody), (status = 404, body = ErrorBody)))]
pub async fn wait_tool_call(
    State(state): State<AppState>,
    ApiRunner(runner): ApiRunner,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<WaitParams>,
) -> Result<Json<ToolCallBody>, ApiError> {
    // A bad `wait` is named before the id is looked at, as it always was.
    let wait = params.duration()?;
    let state = state
        .bosun
        .wait_tool_call(&runner, &ToolCallId::parse(&id)?, wait)
        .await?;
    Ok(Json(state.into()))
}

/// Reports what an allowed tool call produced: `{output}` or `{error}`.
#[utoipa::path(post, path = "/runtime/tool-calls/{id}/result", tag = "runtime",
    params(("id" = String, Path, description = "The tool call's id")), request_body = ResultInput,
    security(("runtime_key" = []), ("personal_token" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn tool_result(
    State(state): State<AppState>,
    ApiRunner(runner): ApiRunner,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResultInput>,
) -> Result<StatusCode, ApiError> {
    let result = ToolResult {
        output: input.output,
        error: input.error,
        duration_ms: input.duration_ms,
    };
    state
        .bosun
        .report_tool_result(&runner, &ToolCallId::parse(&id)?, result)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a free-form event of the run (an LLM decision, a note).
#[utoipa::path(post, path = "/runtime/runs/{run}/events", tag = "runtime",
    params(("run" = String, Path, description = "The run's id")), request_body = Object,
    security(("runtime_key" = []), ("personal_token" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn run_event(
    State(state): State<AppState>,
    ApiRunner(runner): ApiRunner,
    Path(run): Path<String>,
    ApiJson(data): ApiJson<serde_json::Value>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .record_run_event(&runner, &RunId::parse(&run)?, data)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends the run.
#[utoipa::path(post, path = "/runtime/runs/{run}/finish", tag = "runtime",
    params(("run" = String, Path, description = "The run's id")), request_body = FinishInput,
    security(("runtime_key" = []), ("personal_token" = [])),
    responses((status = 200, body = Run), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn finish(
    State(state): State<AppState>,
    ApiRunner(runner): ApiRunner,
    Path(run): Path<String>,
    ApiJson(input): ApiJson<FinishInput>,
) -> Result<Json<Run>, ApiError> {
    let end = RunEnd {
        status: input.status,
        output: input.output,
    };
    let run = state
        .bosun
        .finish_run(&runner, &RunId::parse(&run)?, end)
        .await?;
    Ok(Json(run.into()))
}
