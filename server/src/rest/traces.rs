//! Traces over REST: every step of a run, in order, for those who may see it.

use axum::Json;
use axum::extract::{Path, State};
use bosun_service::events::Event;
use bosun_service::ids::RunId;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use crate::application::AppState;

/// One event of the trace, with its place in the hash chain.
#[derive(Serialize, ToSchema)]
pub struct EventBody {
    pub seq: i64,
    pub hash: String,
    pub prev_hash: String,
    pub at: chrono::DateTime<chrono::Utc>,
    #[schema(example = "policy.decision")]
    pub kind: String,
    pub workspace_id: String,
    pub agent_id: Option<String>,
    pub run_id: Option<String>,
    pub actor: Option<String>,
    pub on_behalf_of: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<Event> for EventBody {
    fn from(event: Event) -> Self {
        Self {
            seq: event.seq,
            hash: event.hash,
            prev_hash: event.prev_hash,
            at: event.at,
            kind: event.kind,
            workspace_id: event.workspace_id,
            agent_id: event.agent_id,
            run_id: event.run_id,
            actor: event.actor,
            on_behalf_of: event.on_behalf_of,
            data: event.data,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RunTrace {
    pub run_id: String,
    pub events: Vec<EventBody>,
}

/// Every event of a run: for whoever started it, the agent's editors and admins.
#[utoipa::path(get, path = "/api/v1/traces/{run}", tag = "traces", security(("bearer" = [])),
    responses((status = 200, body = RunTrace), (status = 404, body = ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(run): Path<String>,
) -> Result<Json<RunTrace>, ApiError> {
    let events = state
        .bosun
        .run_trace(&principal, &RunId::from_string(run.clone()))
        .await?;
    Ok(Json(RunTrace {
        run_id: run,
        events: events.into_iter().map(EventBody::from).collect(),
    }))
}
