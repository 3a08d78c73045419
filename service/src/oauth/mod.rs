//! OAuth: the providers admins set up, the accounts people connect to them,
//! and signing in to Bosun with an OpenID Connect provider.
//!
//! - [`providers`]: Settings → Integrations (admins): endpoints, client id,
//!   the client secret sealed at rest, scopes, and whether it signs people in.
//! - [`flow`]: the authorization code flow with PKCE (S256), used both to
//!   connect an account and to sign in; its state is bound to the browser
//!   session by the caller.
//! - [`tokens`]: connections, their refresh (one in flight per connection),
//!   what agents need, and handing a run its user's token.

pub mod flow;
pub mod providers;
pub mod tokens;

use zeroize::Zeroizing;

use crate::credentials::MasterKey;
pub use crate::model::oauth::split_scopes;
use crate::vault;
use crate::{Error, Result};

/// Seals a secret into its one-column text form.
fn seal_text(master: &MasterKey, context: &str, secret: &str) -> Result<String> {
    vault::seal_text(master, context, secret)
}

/// Opens what [`seal_text`] sealed for the same context.
fn open_text(master: &MasterKey, context: &str, text: &str) -> Result<Zeroizing<String>> {
    vault::open_text(
        master,
        context,
        text,
        "a stored OAuth secret",
        "set it again",
    )
}

/// Scopes as stored: one space between each.
fn join_scopes<'a>(scopes: impl IntoIterator<Item = &'a str>) -> String {
    scopes.into_iter().collect::<Vec<_>>().join(" ")
}

/// Checks a space-separated scope list (RFC 6749 §3.3) and returns it
/// normalized: single spaces, no duplicates, order kept.
pub(crate) fn parse_scopes(field: &'static str, scopes: &str) -> Result<String> {
    let mut seen: Vec<&str> = Vec::new();
    for scope in scopes.split_whitespace() {
        let valid = scope
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
        if !valid || scope.len() > 200 {
            return Err(Error::invalid(
                field,
                format!(
                    "“{scope}” is not a scope: scopes are separated by spaces and hold no quotes or backslashes"
                ),
            ));
        }
        if !seen.contains(&scope) {
            seen.push(scope);
        }
    }
    if seen.len() > 50 {
        return Err(Error::invalid(field, "must list at most 50 scopes"));
    }
    Ok(join_scopes(seen))
}

/// An endpoint an admin entered: absolute https, or http on this machine
/// (for providers run beside Bosun). Returns it as written.
pub(crate) fn parse_endpoint(field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    let url = url::Url::parse(value)
        .map_err(|_| Error::invalid(field, "must be an absolute URL such as https://…"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(Error::invalid(
                field,
                "must use https (plain http only for a provider on this machine)",
            ));
        }
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            field,
            "must not carry a fragment or user name and password",
        ));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// An OpenID Connect issuer: an endpoint whose URL is also its identity,
/// so without a query (OpenID Connect Discovery 1.0 §2) or fragment.
pub(crate) fn parse_issuer(value: &str) -> Result<String> {
    let issuer = parse_endpoint("issuer", value)?;
    if issuer.contains('?') {
        return Err(Error::invalid("issuer", "must not carry a query"));
    }
    Ok(issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_normalized_and_checked() {
        assert_eq!(
            parse_scopes("s", "  openid  mail.read openid ").unwrap(),
            "openid mail.read"
        );
        assert_eq!(parse_scopes("s", "").unwrap(), "");
        let error = parse_scopes("scopes", "mail\"read").unwrap_err();
        assert!(error.to_string().starts_with("scopes:"), "{error}");
    }

    #[test]
    fn endpoints_must_be_https_unless_on_this_machine() {
        assert_eq!(
            parse_endpoint("u", "https://id.example.com/").unwrap(),
            "https://id.example.com"
        );
        assert!(parse_endpoint("u", "http://127.0.0.1:4011/token").is_ok());
        assert!(parse_endpoint("u", "http://localhost/token").is_ok());
        assert!(parse_issuer("https://id.example.com/realms/a").is_ok());
        for bad in [
            "https://id.example.com/?tenant=x",
            "https://id.example.com/#x",
        ] {
            let error = parse_issuer(bad).unwrap_err();
            assert!(error.to_string().starts_with("issuer:"), "{bad}: {error}");
        }
        for bad in [
            "http://id.example.com/token",
            "ftp://id.example.com",
            "token",
            "",
            "https://user:pw@id.example.com",
        ] {
            let error = parse_endpoint("token_url", bad).unwrap_err();
            assert!(
                error.to_string().starts_with("token_url:"),
                "{bad}: {error}"
            );
        }
    }
}
