//! The one way out: every request Bosun makes to a URL someone else chose
//! (an OpenID issuer and the endpoints it publishes, token, revocation and
//! userinfo endpoints, webhooks, remote MCP servers) goes through
//! [`Outbound`].
//!
//! An admin, or a provider's discovery document, could otherwise aim Bosun
//! at what only Bosun can reach: a cloud metadata service, a database port
//! on loopback, the office network. So:
//! - only `http` and `https`, with a host and without a user name or
//!   password in the URL;
//! - unless `BOSUN_ALLOW_PRIVATE_URLS` is set, no address that is private,
//!   loopback, link-local, unique-local, CGNAT, multicast, unspecified or
//!   reserved, whether written in the URL or found by DNS, IPv4 addresses
//!   inside IPv6 ones included;
//! - a name is resolved once, by the client's own resolver, and the client
//!   connects to exactly the addresses that were checked, so a name that
//!   answers differently a moment later (DNS rebinding) gains nothing;
//! - no proxy from the environment is used, since a proxy resolves the
//!   names it is handed out of the guard's sight;
//! - redirects are not followed, and nothing a response said is repeated
//!   in an error (callers log the details and show a fixed message).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ipnet::IpNet;
use oauth2::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::{Error, Result};

/// The HTTP client for URLs others chose, and the checks before each use.
#[derive(Clone, Debug)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

impl Outbound {
    /// `allow_private` lets requests reach private and loopback addresses
    /// (for providers run beside Bosun, and tests).
    pub fn new(allow_private: bool) -> Self {
        let mut builder = reqwest::Client::builder()
            // A redirect could steer a request (and the client secret it
            // carries) somewhere unchecked.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15));
        if !allow_private {
            // A proxy (HTTP_PROXY and friends) would resolve names itself,
            // where the resolver below never sees the address: the guard
            // and a proxy cannot both hold, and the guard wins.
            builder = builder
                .no_proxy()
                .dns_resolver(Arc::new(PublicAddressesOnly));
        }
        let client = builder
            .build()
            // Only a TLS backend that cannot start fails here; falling back
            // to a default client would quietly follow redirects.
            .expect("the outbound HTTP client starts");
        Self {
            client,
            allow_private,
        }
    }

    /// Checks a URL before anything is sent to it: its scheme, that it has
    /// a host and no credentials, and an address written into it. Names
    /// are checked when they are resolved.
    pub fn check(&self, field: &'static str, url: &str) -> Result<Url> {
        let parsed = Url::parse(url)
            .map_err(|_| Error::invalid(field, "must be an absolute URL such as https://…"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::invalid(field, "must be an http or https URL"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::invalid(
                field,
                "must not carry a user name or password",
            ));
        }
        let address = match parsed.host() {
            None => return Err(Error::invalid(field, "must name a host")),
            Some(Host::Domain(_)) => None,
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        };
        if let Some(address) = address
            && !self.allow_private
            && !is_public(address)
        {
            return Err(Error::invalid(field, private_address(&address.to_string())));
        }
        Ok(parsed)
    }

    /// A request to a checked URL, to be completed and sent by the caller.
    pub fn request(
        &self,
        field: &'static str,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder> {
        let url = self.check(field, url)?;
        Ok(self.client.request(method, url))
    }
}

/// OAuth and OpenID Connect requests (discovery, keys, tokens, userinfo)
/// pass the same check, whatever document named their URL.
impl<'c> AsyncHttpClient<'c> for Outbound {
    type Error = HttpClientError<reqwest::Error>;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = std::result::Result<HttpResponse, Self::Error>> + Send + Sync + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            if let Err(error) = self.check("url", &request.uri().to_string()) {
                return Err(HttpClientError::Other(error.to_string()));
            }
            self.client.call(request).await
        })
    }
}

/// Resolves a name and refuses it unless every address it has is public:
/// the connection is then made to those very addresses.
struct PublicAddressesOnly;

impl Resolve for PublicAddressesOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addresses.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            // One private answer among public ones could be picked at
            // connect time, so it refuses the name altogether.
            // The address itself is not named: it would map the inside
            // network for whoever can set a URL.
            if addresses.iter().any(|a| !is_public(a.ip())) {
                return Err(private_address(&format!("an address of {host}")).into());
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

fn private_address(what: &str) -> String {
    format!(
        "{what} is a private, loopback or otherwise internal address, which Bosun does not \
         contact unless BOSUN_ALLOW_PRIVATE_URLS is set"
    )
}

/// Networks no request of Bosun's may reach by default.
static INTERNAL_NETWORKS: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        "0.0.0.0/8",      // "this" network, unspecified
        "10.0.0.0/8",     // private
        "100.64.0.0/10",  // carrier-grade NAT
        "127.0.0.0/8",    // loopback
        "169.254.0.0/16", // link-local (cloud metadata services)
        "172.16.0.0/12",  // private
        "192.0.0.0/24",   // IETF protocol assignments
        "192.168.0.0/16", // private
        "198.18.0.0/15",  // benchmarking
        "224.0.0.0/4",    // multicast
        "240.0.0.0/4",    // reserved, broadcast
        "::/128",         // unspecified
        "::1/128",        // loopback
        "fc00::/7",       // unique-local
        "fe80::/10",      // link-local
        "fec0::/10",      // site-local (deprecated)
        "ff00::/8",       // multicast
        "100::/64",       // discard
        "2001:db8::/32",  // documentation
    ]
    .iter()
    .map(|net| net.parse().expect("a valid network"))
    .collect()
});

/// Whether an address is on the public internet, looking through the IPv6
/// forms that carry an IPv4 address (mapped, NAT64, 6to4).
pub fn is_public(address: IpAddr) -> bool {
    let address = match address {
        IpAddr::V6(v6) => embedded_ipv4(v6).map_or(address, IpAddr::V4),
        v4 => v4,
    };
    !INTERNAL_NETWORKS.iter().any(|net| net.contains(&address))
}

fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let segments = v6.segments();
    let octets = v6.octets();
    let tail = Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
    match segments {
        // NAT64's well-known prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks).
        [0, 0, 0, 0, 0, 0, _, _] if v6 != Ipv6Addr::UNSPECIFIED && v6 != Ipv6Addr::LOCALHOST => {
            Some(tail)
        }
        // 6to4 2002:a.b.c.d::/48.
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1",
            "::10.0.0.1",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_are_checked_before_anything_is_sent() {
        let guarded = Outbound::new(false);
        assert!(guarded.check("u", "https://id.example.com/token").is_ok());
        for bad in [
            "ftp://id.example.com/",
            "file:///etc/passwd",
            "https://user:pw@id.example.com/",
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2130706433/",
            "not a url",
        ] {
            let error = guarded.check("token_url", bad).unwrap_err();
            assert!(
                error.to_string().starts_with("token_url:"),
                "{bad}: {error}"
            );
        }
        let open = Outbound::new(true);
        assert!(open.check("u", "http://127.0.0.1:8080/").is_ok());
        assert!(open.check("u", "https://user:pw@id.example.com/").is_err());
    }
}
