//! Server push for pages: `GET /events/inbox` streams a `changed` event
//! whenever the logged-in user's workspace inbox changes (a request came,
//! was decided or expired), so open pages refresh without reloading.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_service::runs::tool_calls::inbox_topic;
use futures::Stream;

use super::session_user::SessionUser;
use crate::application::AppState;
use crate::rest::error::ApiError;

pub async fn inbox_events(
    State(state): State<AppState>,
    SessionUser(principal): SessionUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let topic = inbox_topic(&principal.workspace_id);
    let subscription = state.bosun.notifier().subscribe();
    let stream = futures::stream::unfold(
        (subscription, topic),
        |(mut subscription, topic)| async move {
            loop {
                match subscription.next().await {
                    // An empty topic means notifications were missed: refresh anyway.
                    Some(notified) if notified == topic || notified.is_empty() => {
                        let event = Event::default().event("inbox").data("changed");
                        return Some((Ok(event), (subscription, topic)));
                    }
                    Some(_) => {}
                    None => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
