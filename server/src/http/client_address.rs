//! Which address a request comes from, for throttling logins per client.
//!
//! It is the TCP peer's address, unless that peer is one of the reverse
//! proxies the operator listed (`BOSUN_TRUSTED_PROXIES`): then it is the
//! rightmost address in `X-Forwarded-For` that is not itself a trusted
//! proxy. Everything left of that hop was written by the client and proves
//! nothing; a client that sends its own `X-Forwarded-For` straight to Bosun
//! is simply ignored.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use bosun_service::identity::ClientAddress;
use ipnet::IpNet;

use crate::application::AppState;

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address for a request from `peer` with these headers.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            if headers.contains_key("x-forwarded-for") {
                warn_once_of_untrusted_forwarding(peer);
            }
            return peer;
        }
        let mut client = peer;
        // Hops are read from the nearest (rightmost, last header) back.
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .rev()
            .flat_map(|value| {
                let hops: Vec<_> = value
                    .to_str()
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .collect();
                hops.into_iter().rev()
            });
        for hop in hops {
            // A hop that is not an address cannot be believed, and neither
            // can anything a client wrote before it.
            let Ok(address) = hop.parse::<IpAddr>().map(canonical) else {
                break;
            };
            client = address;
            if !self.contains(address) {
                break;
            }
        }
        client
    }
}

/// Says once per process that forwarded addresses are being ignored: behind
/// a reverse proxy that is not listed, every client shares the proxy's
/// address, and twenty wrong passwords from anyone lock everyone out.
fn warn_once_of_untrusted_forwarding(peer: IpAddr) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            %peer,
            "a request came with X-Forwarded-For from a peer that is not a trusted proxy; \
             the header is ignored and the peer counts as the client. Behind a reverse \
             proxy, list it in BOSUN_TRUSTED_PROXIES, or all clients share its login limit"
        );
    });
}

/// `BOSUN_TRUSTED_PROXIES`: addresses or networks (`10.0.0.0/8`), separated
/// by commas.
impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("`{entry}` is not an IP address or network such as 10.0.0.0/8")
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// An IPv4 peer reached over an IPv6 socket counts as its IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Puts the request's [`ClientAddress`] where handlers and server
/// functions find it. A request without a peer address (only in-process
/// calls make one) is left without, and the login that needs it fails
/// closed.
pub async fn find_client_address(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = state
            .trusted_proxies
            .client_address(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies: TrustedProxies = "10.0.0.1".parse().unwrap();
        let client = proxies.client_address(ip("203.0.113.9"), &forwarded(&["198.51.100.1"]));
        assert_eq!(client, ip("203.0.113.9"));
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_address(ip("127.0.0.1"), &forwarded(&["198.51.100.1"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.0.2.7".parse().unwrap();
        // The client wrote "1.1.1.1" itself; the proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.1.2.3"]);
        assert_eq!(
            proxies.client_address(ip("192.0.2.7"), &headers),
            ip("203.0.113.9")
        );
        // Every hop trusted: the farthest one is the best there is.
        assert_eq!(
            proxies.client_address(ip("10.0.0.1"), &forwarded(&["10.9.9.9"])),
            ip("10.9.9.9")
        );
        // No header: the proxy itself.
        assert_eq!(
            proxies.client_address(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // Garbage stops the walk at the last believable hop.
        assert_eq!(
            proxies.client_address(ip("10.0.0.1"), &forwarded(&["203.0.113.9, junk, 10.2.2.2"])),
            ip("10.2.2.2")
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_entries() {
        let proxies: TrustedProxies = "127.0.0.1".parse().unwrap();
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            proxies.client_address(ip("::ffff:127.0.0.1"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_bad_entry_is_named() {
        let error = "10.0.0.0/8, proxy.local"
            .parse::<TrustedProxies>()
            .unwrap_err();
        assert!(error.contains("proxy.local"), "{error}");
    }
}
