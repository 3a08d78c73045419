//! Traces over REST: search, the runs the trace is made of, one run's
//! steps in order, and export of a whole search (or of one run) as JSON,
//! JSON Lines or OTLP — each only what the caller may see.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bosun_service::events::Event;
use bosun_service::ids::RunId;
use bosun_service::traces::{RunFilter, TraceFilter};
use bosun_service::{Bosun, Principal};
use bosun_wire::list::List;
use bosun_wire::traces::{RunSummary, RunTrace, TraceEvent};
use bosun_wire::vocabulary::RunStatus;
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiQuery, DEFAULT_PAGE, page_size};
use crate::application::AppState;
use crate::http::session_user::SessionUser;

/// A trace search. Every filter is optional; together they narrow.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// An agent id.
    pub agent: Option<String>,
    /// A run id: that run's events only (`/export?run=…` exports one run).
    pub run: Option<String>,
    /// A user id: events done by them or on their behalf.
    pub user: Option<String>,
    /// A tool name.
    pub tool: Option<String>,
    /// `allow`, `deny` or `ask`.
    #[param(value_type = Option<bosun_wire::vocabulary::Action>)]
    pub decision: Option<String>,
    /// The status of the event's run: `queued`, `running`, `succeeded`, `failed`, `cancelled`.
    #[param(value_type = Option<RunStatus>)]
    pub status: Option<String>,
    /// Words that must all appear in the event (inputs, outputs, messages).
    pub q: Option<String>,
    /// RFC 3339; events at or after.
    pub from: Option<String>,
    /// RFC 3339; events before.
    pub to: Option<String>,
    /// The `next` of the previous page (an opaque cursor).
    pub before: Option<String>,
    /// Events per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// For export: `json` (one document), `jsonl` (one event per line) or `otlp` (OTLP/JSON spans).
    pub format: Option<String>,
}

impl SearchParams {
    fn filter(&self) -> TraceFilter {
        TraceFilter {
            agent: self.agent.clone(),
            run: self.run.clone(),
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

/// Searches the events the caller may see.
#[utoipa::path(get, path = "/traces", tag = "traces", params(SearchParams),
    security(("personal_token" = [])),
    responses((status = 200, body = List<TraceEvent>), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<List<TraceEvent>>, ApiError> {
    let page = state
        .bosun
        .search_traces(
            &principal,
            &params.filter(),
            params.before.as_deref().map(event_cursor).transpose()?,
            page_size(params.limit, DEFAULT_PAGE)?.into(),
        )
        .await?;
    Ok(Json(List::page(
        page.events.into_iter().map(TraceEvent::from).collect(),
        page.next.map(|seq| seq.to_string()),
    )))
}

/// A search page's `before`: the `next` of the page before it. The cursor
/// is the sequence number of the last event shown, so the integers earlier
/// versions answered with are still accepted.
fn event_cursor(before: &str) -> Result<i64, ApiError> {
    before
        .parse::<i64>()
        .ok()
        .filter(|seq| *seq >= 0)
        .ok_or_else(|| {
            bosun_service::Error::invalid("before", "must be the `next` of a previous page").into()
        })
}

/// Every event of a search, oldest first, streamed: `format=json` (default),
/// `jsonl` or `otlp`. Events carry their hashes, so an export can be checked
/// with `bosun audit verify --file`.
#[utoipa::path(get, path = "/traces/export", tag = "traces", params(SearchParams),
    security(("personal_token" = [])),
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
    // An export is the whole search, never a page; the paging parameters it
    // shares with the search are still refused when malformed, as there.
    page_size(params.limit, DEFAULT_PAGE)?;
    params.before.as_deref().map(event_cursor).transpose()?;
    let format: &str = bosun_service::validate::choice(
        "format",
        params.format.as_deref().unwrap_or("json"),
        &["json", "jsonl", "otlp"],
    )?;
    let filter = params.filter();
    let name = export_name(params.run.as_deref());
    let (content_type, extension, body) = match format {
        "jsonl" => (
            "application/x-ndjson",
            "jsonl",
            Body::from_stream(framed(
                bosun.export_trace_text(principal, &filter, "\n")?,
                Framing::Lines,
            )),
        ),
        "otlp" => (
            "application/json",
            "otlp.json",
            Body::from_stream(super::otlp::spans(
                bosun.export_traces(principal, &filter)?.map_ok(Event::from),
            )),
        ),
        _ => (
            "application/json",
            "json",
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
                format!("attachment; filename=\"{name}.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The download's name without its extension: `bosun-trace`, or for one
/// run `bosun-run-<id>` (when the id is one Bosun could have made, so
/// that nothing typed reaches the header).
fn export_name(run: Option<&str>) -> String {
    match run.map(str::trim).filter(|run| !run.is_empty()) {
        Some(run)
            if run.len() <= 64
                && run
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            format!("bosun-run-{run}")
        }
        _ => "bosun-trace".into(),
    }
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

/// The runs list's filters. Both are optional; together they narrow.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsParams {
    /// An agent id.
    pub agent: Option<String>,
    #[param(value_type = Option<RunStatus>)]
    pub status: Option<String>,
    /// The `next` of the previous page.
    pub before: Option<String>,
    /// Runs per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The runs the caller may see in the trace, newest first: admins every
/// run of the workspace; others the runs they started and every run of
/// the agents they may edit. A run's steps are `GET /api/v1/traces/{run}`,
/// its export `GET /api/v1/traces/export?run={run}`.
#[utoipa::path(get, path = "/traces/runs", tag = "traces", params(RunsParams),
    security(("personal_token" = [])),
    responses((status = 200, body = List<RunSummary>), (status = 400, body = ErrorBody)))]
pub async fn runs(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiQuery(params): ApiQuery<RunsParams>,
) -> Result<Json<List<RunSummary>>, ApiError> {
    let filter = RunFilter {
        agent: params.agent,
        status: params.status,
    };
    let page = state
        .bosun
        .trace_runs(
            &principal,
            &filter,
            params.before.as_deref(),
            page_size(params.limit, DEFAULT_PAGE)?.into(),
        )
        .await?;
    Ok(Json(List::page(
        page.runs.into_iter().map(RunSummary::from).collect(),
        page.next,
    )))
}

/// Every event of a run: for whoever started it, the agent's editors and admins.
#[utoipa::path(get, path = "/traces/{run}", tag = "traces",
    params(("run" = String, Path, description = "The run's id")), security(("personal_token" = [])),
    responses((status = 200, body = RunTrace), (status = 404, body = ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(run): Path<String>,
) -> Result<Json<RunTrace>, ApiError> {
    let events = state
        .bosun
        .run_trace(&principal, &RunId::parse(&run)?)
        .await?;
    Ok(Json(RunTrace {
        run_id: run,
        events: events.into_iter().map(TraceEvent::from).collect(),
    }))
}
