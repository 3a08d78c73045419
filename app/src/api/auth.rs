//! Logging in and out, and who is logged in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The logged-in user, as pages see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
}

/// Checks the email and password, starts a fresh session and goes to `next`
/// (a path on this site) or the home page.
#[server(prefix = "/fn", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::ssr::{bosun, client_address, session, start_session};

    let bosun = bosun()?;
    let principal = bosun
        .login(&email, &password, client_address().await?)
        .await?;
    let now = bosun_service::clock::to_millis(bosun.now());
    start_session(&session().await?, &principal, now).await?;
    leptos_axum::redirect(local_path(next.as_deref()));
    Ok(())
}

/// Only paths on this site are followed after login, never another origin.
#[cfg(feature = "ssr")]
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/",
    }
}

/// Ends the session.
#[server(prefix = "/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = super::ssr::session().await?;
    session
        .flush()
        .await
        .map_err(|error| bosun_service::Error::internal(format!("ending a session: {error}")))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user, or `None` for a visitor.
#[server(prefix = "/fn", endpoint = "me")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    match super::ssr::principal().await {
        Ok(principal) => Ok(Some(Me {
            id: principal.user_id.to_string(),
            is_admin: principal.is_admin(),
            email: principal.email,
            name: principal.name,
        })),
        Err(bosun_service::Error::Unauthenticated) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path(Some("/agents")), "/agents");
        assert_eq!(local_path(Some("//evil.example/x")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
