//! Server push for pages, so open pages refresh without reloading:
//! `GET /events/inbox` tells when the logged-in user's workspace inbox
//! changes (a request came, was decided or expired),
//! `GET /events/agents/{id}/runs` when one of an agent's runs changes, and
//! `GET /events/runs/{id}` when a run gets a new step.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_service::Bosun;
use bosun_service::agents::Capability;
use bosun_service::ids::{AgentId, RunId};
use bosun_service::runs::agent_runs_topic;
use bosun_service::runs::tool_calls::inbox_topic;
use futures::{Stream, StreamExt};

use super::session_user::SessionUser;
use crate::application::AppState;
use crate::rest::error::ApiError;

pub async fn inbox_events(
    State(state): State<AppState>,
    SessionUser(principal): SessionUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    Ok(changes(
        &state.bosun,
        inbox_topic(&principal.workspace_id),
        "inbox",
    ))
}

/// `GET /events/agents/{id}/runs`: a `runs` event whenever one of the
/// agent's runs is queued, claimed or finished, for those who may see it.
pub async fn agent_run_events(
    State(state): State<AppState>,
    SessionUser(principal): SessionUser,
    Path(agent): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let agent = AgentId::parse(&agent)?;
    state
        .bosun
        .agent_for(&principal, &agent, Capability::View)
        .await?;
    Ok(changes(&state.bosun, agent_runs_topic(&agent), "runs"))
}

/// `GET /events/runs/{id}`: a `run` event when the stream opens and each
/// time the run gets a new step, for those who may see its timeline.
pub async fn run_events(
    State(state): State<AppState>,
    SessionUser(principal): SessionUser,
    Path(run): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let changes = state
        .bosun
        .run_changes(&principal, &RunId::parse(&run)?)
        .await?;
    let events = changes.map(|()| Ok(Event::default().event("run").data("changed")));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// An event named `name` each time `topic` is notified (or notifications
/// were missed), with a keep-alive in between.
fn changes(
    bosun: &Bosun,
    topic: String,
    name: &'static str,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let subscription = bosun.notifier().subscribe();
    let stream = futures::stream::unfold(
        (subscription, topic),
        move |(mut subscription, topic)| async move {
            loop {
                match subscription.next().await {
                    // An empty topic means notifications were missed: refresh anyway.
                    Some(notified) if notified == topic || notified.is_empty() => {
                        let event = Event::default().event(name).data("changed");
                        return Some((Ok(event), (subscription, topic)));
                    }
                    Some(_) => {}
                    None => return None,
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
