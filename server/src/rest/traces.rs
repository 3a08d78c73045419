//! Traces over REST: search, one run's steps in order, and export of a
//! whole search as JSON, JSON Lines or OTLP — each only what the caller may
//! see.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bosun_service::events::Event;
use bosun_service::ids::RunId;
use bosun_service::traces::{DEFAULT_PAGE, TraceFilter};
use bosun_service::{Bosun, Principal};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use crate::application::AppState;
use crate::http::session_user::SessionUser;

/// A trace search. Every filter is optional; together they narrow.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// An agent id.
    pub agent: Option<String>,
    /// A user id: events done by them or on their behalf.
    pub user: Option<String>,
    /// A tool name.
    pub tool: Option<String>,
    /// `allow`, `deny` or `ask`.
    pub decision: Option<String>,
    /// The status of the event's run: `queued`, `running`, `succeeded`, `failed`, `cancelled`.
    pub status: Option<String>,
    /// Words that must all appear in the event (inputs, outputs, messages).
    pub q: Option<String>,
    /// RFC 3339; events at or after.
    pub from: Option<String>,
    /// RFC 3339; events before.
    pub to: Option<String>,
    /// The `next` of the previous page.
    pub before: Option<i64>,
    /// Events per page, at most 200 (default 50).
    pub limit: Option<usize>,
    /// For export: `json` (one document), `jsonl` (one event per line) or `otlp` (OTLP/JSON spans).
    pub format: Option<String>,
}

impl SearchParams {
    fn filter(&self) -> TraceFilter {
        TraceFilter {
            agent: self.agent.clone(),
            user: self.user.clone(),
            tool: self.tool.clone(),
            decision: self.decision.clone(),
            status: self.status.clone(),
            q: self.q.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// One page of a search, newest first.
#[derive(Serialize, ToSchema)]
pub struct TracePageBody {
    pub items: Vec<EventBody>,
    /// Pass as `before` for the next page; null on the last.
    pub next: Option<i64>,
}

/// Searches the events the caller may see.
#[utoipa::path(get, path = "/api/v1/traces", tag = "traces", params(SearchParams),
    security(("bearer" = [])),
    responses((status = 200, body = TracePageBody), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<TracePageBody>, ApiError> {
    let page = state
        .bosun
        .search_traces(
            &principal,
            &params.filter(),
            params.before,
            params.limit.unwrap_or(DEFAULT_PAGE),
        )
        .await?;
    Ok(Json(TracePageBody {
        items: page.events.into_iter().map(EventBody::from).collect(),
        next: page.next,
    }))
}

/// Every event of a search, oldest first, streamed: `format=json` (default),
/// `jsonl` or `otlp`. Events carry their hashes, so an export can be checked
/// with `bosun audit verify --file`.
#[utoipa::path(get, path = "/api/v1/traces/export", tag = "traces", params(SearchParams),
    security(("bearer" = [])),
    responses((status = 200, description = "the events, as a download"), (status = 400, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Response, ApiError> {
    export_response(&state.bosun, &principal, &params)
}

/// The same export for the Traces page, by session.
pub async fn export_for_page(
    State(state): State<AppState>,
    SessionUser(principal): SessionUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Response, ApiError> {
    export_response(&state.bosun, &principal, &params)
}

fn export_response(
    bosun: &Bosun,
    principal: &Principal,
    params: &SearchParams,
) -> Result<Response, ApiError> {
    let format: &str = bosun_service::validate::choice(
        "format",
        params.format.as_deref().unwrap_or("json"),
        &["json", "jsonl", "otlp"],
    )?;
    let filter = params.filter();
    let (content_type, file, body) = match format {
        "jsonl" => (
            "application/x-ndjson",
            "bosun-trace.jsonl",
            Body::from_stream(framed(
                bosun.export_trace_text(principal, &filter, "\n")?,
                Framing::Lines,
            )),
        ),
        "otlp" => (
            "application/json",
            "bosun-trace.otlp.json",
            Body::from_stream(super::otlp::spans(
                bosun.export_traces(principal, &filter)?.map_ok(Event::from),
            )),
        ),
        _ => (
            "application/json",
            "bosun-trace.json",
            Body::from_stream(framed(
                bosun.export_trace_text(principal, &filter, ",")?,
                Framing::Document,
            )),
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Clone, Copy)]
enum Framing {
    /// `{"events": [e, e, …]}`
    Document,
    /// One event per line.
    Lines,
}

/// The store's chunks of events framed as the format wants. A failure half
/// way ends the stream with an error, so the download fails visibly rather
/// than looking whole.
fn framed(
    chunks: impl futures::Stream<Item = bosun_service::Result<String>> + Send + 'static,
    framing: Framing,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (opening, closing): (&'static [u8], &'static [u8]) = match framing {
        Framing::Document => (b"{\"events\":[", b"]}\n"),
        Framing::Lines => (b"", b""),
    };
    let mut first = true;
    let body = chunks
        .map_err(|error| {
            tracing::error!(%error, "a trace export failed half way");
            std::io::Error::other("the export failed")
        })
        .map_ok(move |chunk| {
            let mut bytes = Vec::with_capacity(chunk.len() + 1);
            match framing {
                Framing::Document => {
                    if !std::mem::take(&mut first) {
                        bytes.push(b',');
                    }
                    bytes.extend_from_slice(chunk.as_bytes());
                }
                Framing::Lines => {
                    bytes.extend_from_slice(chunk.as_bytes());
                    bytes.push(b'\n');
                }
            }
            Bytes::from(bytes)
        });
    futures::stream::iter([Ok(Bytes::from_static(opening))])
        .chain(body)
        .chain(futures::stream::iter([Ok(Bytes::from_static(closing))]))
}

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
