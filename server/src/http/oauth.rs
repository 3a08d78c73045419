//! The browser's side of OAuth: starting a connection or a sign-in (a form
//! post that sends the browser to the provider) and the callback the
//! provider sends it back to. What is under way lives in the browser's
//! session, so a state from another browser — or one already used — finds
//! nothing to finish.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::HOST;
use axum::response::{IntoResponse, Redirect, Response};
use bosun_service::oauth::flow::{Callback, Finished, PendingAuthorization, Purpose};
use bosun_service::{Error, Principal};
use tower_sessions::Session;

use super::session_user::SessionUser;
use crate::application::AppState;
use crate::rest::error::ApiError;

/// Where the flow under way waits in the session.
const PENDING: &str = "oauth_pending";
pub use bosun_service::oauth::flow::CALLBACK_PATH;

/// `POST /oauth/connect/{provider}`: connect the signed-in user's account.
pub async fn connect(
    State(state): State<AppState>,
    SessionUser(principal): SessionUser,
    session: Session,
    headers: HeaderMap,
    Path(provider): Path<String>,
) -> Response {
    let started = state
        .bosun
        .begin_connection(&principal, &provider, host(&headers))
        .await;
    to_provider(&session, Purpose::Connect, started).await
}

/// `POST /auth/sso/{provider}`: sign in with a provider.
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(provider): Path<String>,
) -> Response {
    let started = match state.bosun.default_workspace().await {
        Ok(workspace) => {
            state
                .bosun
                .begin_sign_in(&workspace, &provider, host(&headers))
                .await
        }
        Err(error) => Err(error),
    };
    to_provider(&session, Purpose::SignIn, started).await
}

/// Sends the browser to the provider, remembering what is under way; or
/// back where it came from, saying why not.
async fn to_provider(
    session: &Session,
    purpose: Purpose,
    started: Result<(String, PendingAuthorization), Error>,
) -> Response {
    let remembered = match started {
        Ok((url, pending)) => remember(session, &pending).await.map(|()| url),
        Err(error) => Err(error),
    };
    match remembered {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => back_to(purpose, &error),
    }
}

/// `GET /oauth/callback`: the provider sends the browser back here.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(callback): Query<Callback>,
) -> Result<Response, ApiError> {
    // Taken out before anything else, so a state is good for one answer.
    let pending: Option<PendingAuthorization> = session
        .remove(PENDING)
        .await
        .map_err(|error| Error::internal(format!("reading the session: {error}")))?;
    let signed_in: Option<Principal> = bosun_app::api::principal_of_session(&state.bosun, &session)
        .await
        .ok();
    let Some(pending) = pending else {
        let error = Error::invalid(
            "state",
            "no sign-in or connection is under way in this browser (the link was used already, \
             or was not started here); start again",
        );
        let purpose = match signed_in {
            Some(_) => Purpose::Connect,
            None => Purpose::SignIn,
        };
        return Ok(back_to(purpose, &error));
    };
    let purpose = pending.purpose;
    match state
        .bosun
        .finish_authorization(pending, callback, signed_in.as_ref())
        .await
    {
        Ok(Finished::Connected { provider }) => Ok(Redirect::to(&format!(
            "/account?connected={}#connections",
            urlencode(&provider)
        ))
        .into_response()),
        Ok(Finished::SignedIn(principal)) => {
            let now = bosun_service::clock::to_millis(state.bosun.now());
            bosun_app::api::start_session(&session, &principal, now).await?;
            tracing::info!(user = %principal.user_id, "signed in with a provider");
            Ok(Redirect::to("/").into_response())
        }
        Err(error) => Ok(back_to(purpose, &error)),
    }
}

async fn remember(session: &Session, pending: &PendingAuthorization) -> Result<(), Error> {
    session
        .insert(PENDING, pending)
        .await
        .map_err(|error| Error::internal(format!("writing the session: {error}")))
}

/// Back to the page the flow started from, with the problem to show (a
/// fault of ours is logged, and shown only as such).
fn back_to(purpose: Purpose, error: &Error) -> Response {
    error.log_if_internal("an OAuth sign-in or connection failed");
    let message = urlencode(&error.public_message());
    let to = match purpose {
        Purpose::Connect => format!("/account?connection_error={message}#connections"),
        Purpose::SignIn => format!("/login?error={message}"),
    };
    Redirect::to(&to).into_response()
}

/// The `Host` the request came with, which the service trusts for the
/// redirect URI only when it is loopback.
pub fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(HOST).and_then(|host| host.to_str().ok())
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
