//! Passwords: changing one's own, an admin setting a member's or making
//! them a one-time set-password link, and using such a link.

pub use bosun_wire::members::PasswordLink;
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
const LABELS: &[(&str, &str)] = &[
    ("current_password", "Current password"),
    ("new_password", "New password"),
    ("password", "Password"),
    ("user_id", ""),
];

#[cfg(feature = "ssr")]
fn in_words(error: bosun_service::Error) -> AppError {
    AppError::in_words(error, LABELS)
}

/// Changes the logged-in user's password. Their other sessions end; this
/// one is stamped anew so that it carries on.
#[server(prefix = "/fn", endpoint = "me/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use super::session_keys::AUTHENTICATED_AT;
    use super::ssr::{bosun, client_address, principal, session};

    let bosun = bosun()?;
    let principal = principal().await?;
    let counts_from = bosun
        .change_own_password(
            &principal,
            &current_password,
            &new_password,
            client_address().await?,
        )
        .await
        .map_err(in_words)?;
    let session = session().await?;
    let restamped = async {
        session.cycle_id().await?;
        session
            .insert(
                AUTHENTICATED_AT,
                bosun_service::clock::to_millis(counts_from),
            )
            .await
    };
    restamped
        .await
        .map_err(|error| bosun_service::Error::internal(format!("renewing a session: {error}")))?;
    Ok(())
}

/// Sets a member's password (admins).
#[server(prefix = "/fn", endpoint = "members/password")]
pub async fn reset_member_password(user_id: String, password: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::UserId;

    bosun()?
        .reset_member_password(&principal().await?, &UserId::parse(&user_id)?, &password)
        .await
        .map_err(in_words)?;
    Ok(())
}

/// Makes a one-time set-password link for a member (admins).
#[server(prefix = "/fn", endpoint = "members/password_link")]
pub async fn create_password_link(user_id: String) -> Result<PasswordLink, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::UserId;

    let link = bosun()?
        .create_password_link(&principal().await?, &UserId::parse(&user_id)?)
        .await
        .map_err(in_words)?;
    Ok(link.into())
}

/// The email a set-password link is for, while it works.
#[server(prefix = "/fn", endpoint = "password_link/check")]
pub async fn password_link_email(token: String) -> Result<String, AppError> {
    let target = super::ssr::bosun()?
        .password_link_target(&token)
        .await
        .map_err(in_words)?;
    Ok(target.email)
}

/// Sets a password with a set-password link; the link is then used up.
#[server(prefix = "/fn", endpoint = "password_link/use")]
pub async fn set_password_with_link(token: String, password: String) -> Result<(), AppError> {
    super::ssr::bosun()?
        .set_password_with_link(&token, &password)
        .await
        .map_err(in_words)?;
    Ok(())
}
