//! URL normalization, so that `HTTPS://Example.com:443/a/../b` meets a rule
//! written for `https://example.com/b`.
//!
//! Parsing follows the WHATWG URL standard (the `url` crate, as browsers
//! do): scheme and host are lowercased, default ports dropped, dot segments
//! (also percent-encoded ones) resolved, numeric IPv4 forms such as
//! `http://2130706433/` written as `127.0.0.1`, and an empty path becomes `/`.
//! On top of that, percent-encoded unreserved characters are decoded and
//! remaining escapes uppercased (RFC 3986 §6.2.2), so `/%61dmin` meets a rule
//! about `/admin`; a trailing dot on the host (`example.com.`, the same DNS
//! name) is removed. The fragment is dropped: it never reaches the server.
//! User and password are dropped too, so `https://me@internal.test/` meets a
//! rule about `https://internal.test/*` (risk assessment still sees them).

use std::fmt;

use url::Url;

/// Why a URL cannot be matched against rules. It denies the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    message: String,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URL: {}", self.message)
    }
}

impl std::error::Error for UrlError {}

/// Parses and normalizes an absolute URL.
///
/// ```
/// use bosun_policy::url::normalize_url;
/// assert_eq!(
///     normalize_url("HTTPS://API.Example.com:443/v1/./users/../%61dmin#top").unwrap(),
///     "https://api.example.com/v1/admin"
/// );
/// ```
pub fn normalize_url(input: &str) -> Result<String, UrlError> {
    parse_normalized(input).map(|n| n.url.into())
}

/// A normalized URL, with what normalization removed that risk needs.
#[derive(Debug, Clone)]
pub(crate) struct NormalizedUrl {
    /// The matching form.
    pub(crate) url: Url,
    /// The input carried a user name or password.
    pub(crate) had_credentials: bool,
}

/// [`normalize_url`], keeping the parsed form for risk assessment.
pub(crate) fn parse_normalized(input: &str) -> Result<NormalizedUrl, UrlError> {
    if input.contains('\0') {
        return Err(UrlError {
            message: "contains a NUL character".to_owned(),
        });
    }
    let mut url = Url::parse(input).map_err(|e| UrlError {
        message: e.to_string(),
    })?;
    url.set_fragment(None);
    let had_credentials = !url.username().is_empty() || url.password().is_some();
    if had_credentials {
        // Only fails for URLs that cannot have credentials in the first place.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    if let Some(url::Host::Domain(host)) = url.host()
        && host.len() > 1
        && let Some(trimmed) = host.strip_suffix('.')
    {
        let trimmed = trimmed.to_owned();
        let _ = url.set_host(Some(&trimmed));
    }
    if !url.cannot_be_a_base() {
        let path = normalize_escapes(url.path());
        if path != url.path() {
            url.set_path(&path);
        }
    }
    if let Some(query) = url.query() {
        let normalized = normalize_escapes(query);
        if normalized != query {
            url.set_query(Some(&normalized));
        }
    }
    Ok(NormalizedUrl {
        url,
        had_credentials,
    })
}

/// Decodes `%XX` escapes of unreserved characters and uppercases the rest.
fn normalize_escapes(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            let decoded = hi * 16 + lo;
            if decoded.is_ascii_alphanumeric() || matches!(decoded, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(decoded));
            } else {
                out.push('%');
                out.push(char::from(bytes[i + 1].to_ascii_uppercase()));
                out.push(char::from(bytes[i + 2].to_ascii_uppercase()));
            }
            i += 3;
            continue;
        }
        // Copy one whole character (the input is a `str`, so boundaries are
        // where the next non-continuation byte starts).
        let len = utf8_len(bytes[i]);
        out.push_str(s.get(i..i + len).unwrap_or(""));
        i += len;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_what_servers_treat_as_equal() {
        let table = [
            ("https://example.com", "https://example.com/"),
            ("HTTPS://EXAMPLE.COM/A", "https://example.com/A"),
            ("https://example.com:443/x", "https://example.com/x"),
            ("http://example.com:80/x", "http://example.com/x"),
            ("http://example.com:8080/x", "http://example.com:8080/x"),
            ("https://example.com/a/./b/../c", "https://example.com/a/c"),
            (
                "https://example.com/a/%2e%2e/admin",
                "https://example.com/admin",
            ),
            (
                "https://example.com/%61dmin?q=%7e%2f",
                "https://example.com/admin?q=~%2F",
            ),
            ("https://example.com/x#frag", "https://example.com/x"),
            ("http://2130706433/", "http://127.0.0.1/"),
            ("http://0x7f.1/", "http://127.0.0.1/"),
            ("https://user:pw@Example.com/", "https://example.com/"),
            ("  https://example.com/\t", "https://example.com/"),
            (
                "https://Internal.Example.com./x",
                "https://internal.example.com/x",
            ),
            ("https://example.com/é", "https://example.com/%C3%A9"),
            ("mailto:Someone@Example.com", "mailto:Someone@Example.com"),
        ];
        for (input, expected) in table {
            assert_eq!(normalize_url(input).as_deref(), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_url() {
        for input in [
            "",
            "example.com/x",
            "https://",
            "http://exa mple.com/",
            "https://a\0b/",
        ] {
            assert!(normalize_url(input).is_err(), "{input:?}");
        }
    }
}
