//! Logging in and out, and who is logged in.

use leptos::prelude::*;

use crate::error::AppError;

pub use bosun_wire::members::Me;

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
    leptos_axum::redirect(&local_path(next.as_deref()));
    Ok(())
}

/// Where to go after logging in: `next` if it is a path on this site, else
/// the home page. `next` comes from the login page's URL, which anyone can
/// hand someone in a link, so everything a browser could read as another
/// site is refused: a scheme, `//host`, a backslash (`/\host` is `//host` to
/// a browser), and any control character, raw or percent-encoded (browsers
/// drop tabs and line breaks from URLs, so `/\t/evil.example` would become
/// `//evil.example`; in a header, a line break would end it). What is left
/// outside visible ASCII is percent-encoded, so the `Location` header can
/// always hold it.
#[cfg(feature = "ssr")]
fn local_path(next: Option<&str>) -> String {
    let Some(path) = next.filter(|path| is_local_path(path)) else {
        return "/".to_owned();
    };
    let mut location = String::with_capacity(path.len());
    for character in path.chars() {
        if character.is_ascii_graphic() {
            location.push(character);
        } else {
            let mut bytes = [0; 4];
            for byte in character.encode_utf8(&mut bytes).bytes() {
                location.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    location
}

#[cfg(feature = "ssr")]
fn is_local_path(path: &str) -> bool {
    let decoded = urlencoding::decode_binary(path.as_bytes());
    [path.as_bytes(), decoded.as_ref()].iter().all(|spelling| {
        spelling.starts_with(b"/")
            && !spelling.starts_with(b"//")
            && !spelling.contains(&b'\\')
            && !spelling.iter().any(|byte| byte.is_ascii_control())
    })
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
        Ok(principal) => Ok(Some(Me::from(&principal))),
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
        assert_eq!(
            local_path(Some("/traces?q=a%20b#top")),
            "/traces?q=a%20b#top"
        );
        assert_eq!(local_path(None), "/");
        for elsewhere in [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
            "/%5Cevil.example",
            "/%2F/evil.example",
            "javascript:alert(1)",
            "",
            "evil.example",
        ] {
            assert_eq!(local_path(Some(elsewhere)), "/", "{elsewhere}");
        }
    }

    #[test]
    fn control_characters_never_reach_the_location() {
        for hostile in [
            "/\t/evil.example",
            "/%09/evil.example",
            "/\n/evil.example",
            "/%0A/evil.example",
            "/%0d%0aSet-Cookie:%20x=y",
            "/\r\nSet-Cookie: x=y",
            "/\0",
            "/%00",
            "/%7F",
            "/\u{7f}",
        ] {
            assert_eq!(local_path(Some(hostile)), "/", "{hostile:?}");
        }
    }

    #[test]
    fn other_characters_are_percent_encoded() {
        assert_eq!(
            local_path(Some("/traces?q=café bar")),
            "/traces?q=caf%C3%A9%20bar"
        );
    }
}
