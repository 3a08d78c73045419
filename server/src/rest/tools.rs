//! The workspace's tool catalog over REST.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bosun_service::tools::NewTool;
use bosun_wire::list::List;
use bosun_wire::tools::Tool;
use bosun_wire::vocabulary::{ArgKind, RiskLevel, ToolCategory};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolInput {
    name: String,
    #[serde(default)]
    description: String,
    #[schema(value_type = ArgKind)]
    argument_kind: String,
    #[schema(value_type = RiskLevel)]
    default_risk: String,
    #[schema(value_type = ToolCategory)]
    category: String,
    /// Optional JSON Schema (an object, at most 16 KiB) for object inputs;
    /// needs a `subject`. Remote `$ref`s are not fetched.
    #[schema(value_type = Option<Object>)]
    input_schema: Option<serde_json::Value>,
    /// JSON pointer of the field rules match in an object input (`/path`).
    subject: Option<String>,
}

/// The workspace's tools.
#[utoipa::path(get, path = "/tools", tag = "tools", security(("personal_token" = [])),
    responses((status = 200, body = List<Tool>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<List<Tool>>, ApiError> {
    let tools = state.bosun.list_tools(&principal).await?;
    Ok(Json(tools.into_iter().map(Tool::from).collect()))
}

/// Adds a custom tool (admins).
#[utoipa::path(post, path = "/tools", tag = "tools", request_body = ToolInput, security(("personal_token" = [])),
    responses((status = 201, body = Tool), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<ToolInput>,
) -> Result<(StatusCode, Json<Tool>), ApiError> {
    let new_tool = NewTool {
        name: input.name,
        description: input.description,
        argument_kind: input.argument_kind,
        default_risk: input.default_risk,
        category: input.category,
        input_schema: input.input_schema,
        subject: input.subject,
    };
    let tool = state.bosun.add_tool(&principal, new_tool).await?;
    Ok((StatusCode::CREATED, Json(tool.into())))
}
