//! Server push for pages: `GET /events/inbox` streams a `changed` event
//! whenever the logged-in user's workspace inbox changes (a request came,
//! was decided or expired), so open pages refresh without reloading.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_app::api::session_keys::{AUTHENTICATED_AT, USER_ID};
use bosun_service::runs::tool_calls::inbox_topic;
use futures::Stream;
use tower_sessions::Session;

use crate::application::AppState;
use crate::rest::error::ApiError;

pub async fn inbox_events(
    State(state): State<AppState>,
    session: Session,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let (Ok(Some(user)), Ok(Some(at))) = (
        session.get::<String>(USER_ID).await,
        session.get::<i64>(AUTHENTICATED_AT).await,
    ) else {
        return Err(bosun_service::Error::Unauthenticated.into());
    };
    let principal = state
        .bosun
        .authenticate_session(&user, bosun_service::clock::from_millis(at))
        .await?;
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
