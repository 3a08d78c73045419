//! Server functions: thin adapters from the browser to the service layer.
//! Each resolves who is asking, calls one use case and returns its answer;
//! none decides who may do what.

pub mod agents;
pub mod auth;
pub mod credentials;
pub mod inbox;
pub mod integrations;
pub mod mcp;
pub mod mcp_servers;
pub mod members;
pub mod notifications;
pub mod oauth;
pub mod passwords;
pub mod rules;
pub mod runs;
pub mod sharing;
pub mod tokens;
pub mod tools;
pub mod traces;
pub mod workspace;

/// Where a session keeps who is logged in, and since when.
pub mod session_keys {
    pub const USER_ID: &str = "user_id";
    pub const AUTHENTICATED_AT: &str = "authenticated_at";
}

/// The user behind a session, re-checked against the store: for server
/// functions and for the server's own routes that pages call directly. A
/// session whose user was deactivated or that outlived its absolute timeout
/// is emptied.
#[cfg(feature = "ssr")]
pub async fn principal_of_session(
    bosun: &bosun_service::Bosun,
    session: &tower_sessions::Session,
) -> bosun_service::Result<bosun_service::Principal> {
    use bosun_service::Error;
    use session_keys::{AUTHENTICATED_AT, USER_ID};

    let (Ok(Some(user_id)), Ok(Some(authenticated_at))) = (
        session.get::<String>(USER_ID).await,
        session.get::<i64>(AUTHENTICATED_AT).await,
    ) else {
        return Err(Error::Unauthenticated);
    };
    let authenticated_at = bosun_service::clock::from_millis(authenticated_at);
    let result = bosun.authenticate_session(&user_id, authenticated_at).await;
    if let Err(Error::Unauthenticated) = result {
        // Whatever made the session invalid is permanent: forget it.
        let _ = session.flush().await;
    }
    result
}

/// Writes the session of a user who just proved who they are (password or
/// a sign-in provider). The id is cycled so that a session id planted
/// before login is worthless.
#[cfg(feature = "ssr")]
pub async fn start_session(
    session: &tower_sessions::Session,
    principal: &bosun_service::Principal,
    now: i64,
) -> bosun_service::Result<()> {
    use session_keys::{AUTHENTICATED_AT, USER_ID};

    let started = async {
        session.cycle_id().await?;
        session.insert(USER_ID, principal.user_id.as_str()).await?;
        session.insert(AUTHENTICATED_AT, now).await
    };
    started
        .await
        .map_err(|error| bosun_service::Error::internal(format!("starting a session: {error}")))
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    //! What every server function needs on the server: the service handle,
    //! the session and the principal behind it.

    use bosun_service::{Bosun, Error, Principal, Result};
    use tower_sessions::Session;

    use super::principal_of_session;
    pub use super::start_session;

    pub fn bosun() -> Result<Bosun> {
        leptos::prelude::use_context::<Bosun>()
            .ok_or_else(|| Error::internal("Bosun is not in the server function context"))
    }

    /// The address the request came from (for throttling); without one,
    /// nothing that needs it goes ahead.
    pub async fn client_address() -> Result<std::net::IpAddr> {
        leptos_axum::extract::<axum::Extension<bosun_service::identity::ClientAddress>>()
            .await
            .map(|axum::Extension(address)| address.0)
            .map_err(|_| Error::internal("the client's address is not known"))
    }

    /// The `Host` the request came with, if any.
    pub async fn request_host() -> Option<String> {
        let headers = leptos_axum::extract::<http::HeaderMap>().await.ok()?;
        let host = headers.get(http::header::HOST)?.to_str().ok()?;
        Some(host.to_owned())
    }

    pub async fn session() -> Result<Session> {
        leptos_axum::extract::<Session>()
            .await
            .map_err(|_| Error::internal("no session layer in front of server functions"))
    }

    /// The logged-in user, re-checked against the store on every call.
    pub async fn principal() -> Result<Principal> {
        principal_of_session(&bosun()?, &session().await?).await
    }
}
