//! Bosun as a client of an upstream MCP server over Streamable HTTP.
//!
//! Each request a client makes of the gateway is one short exchange with
//! the upstream: `initialize`, `notifications/initialized`, the request
//! (with the pages a `tools/list` has), and the end of the session if the
//! upstream made one. Nothing lives between requests, so any Bosun process
//! answers any request, as the gateway's stateless form promises.
//!
//! Every request goes through the outbound guard ([`crate::outbound`]): no
//! private address unless allowed, no redirect followed, no proxy. The
//! credential is added here and nowhere else. The whole exchange has the
//! server's time limit; what the upstream says is read up to a bound, and
//! errors name the server and what went wrong, never what it answered.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::Bosun;
use crate::integrations::mcp::{TimedOut, within_time_limit};

/// The protocol version Bosun offers in `initialize`: the newest one with
/// the handshake, which servers of every age still speak.
const PROTOCOL_VERSION: &str = "2025-11-25";
/// The most of an upstream's answer read, whatever it is.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// The most pages of a `tools/list` followed.
const MAX_PAGES: usize = 20;

/// What went wrong talking to an upstream, to be told to the client as an
/// MCP error naming the server.
#[derive(Debug)]
pub enum UpstreamError {
    /// No connection (refused, unknown name, an address the guard refuses).
    Unreachable,
    /// No complete answer within the server's time limit.
    Timeout(TimedOut),
    /// An HTTP status other than success.
    Status(u16),
    /// An answer that is not MCP.
    Malformed(&'static str),
    /// A JSON-RPC error the upstream answered.
    Rpc { message: String },
}

impl UpstreamError {
    /// The sentence the client reads: the server, then what happened.
    pub fn describe(&self, server: &str) -> String {
        match self {
            Self::Unreachable => format!("the MCP server {server} could not be reached"),
            Self::Timeout(timed_out) => timed_out.describe(server, "answer"),
            Self::Status(401 | 403) => format!(
                "the MCP server {server} refused Bosun's credentials; an admin checks its authentication"
            ),
            Self::Status(status) => {
                format!("the MCP server {server} answered with HTTP status {status}")
            }
            Self::Malformed(what) => {
                format!("the MCP server {server} answered something that is not MCP: {what}")
            }
            Self::Rpc { message, .. } => format!("the MCP server {server} answered: {message}"),
        }
    }
}

/// One upstream, ready for an exchange.
pub(crate) struct Upstream<'a> {
    pub(crate) bosun: &'a Bosun,
    pub(crate) url: String,
    /// The credential header, if any, and anything else sent on each request.
    pub(crate) headers: Vec<(HeaderName, Zeroizing<String>)>,
    pub(crate) timeout: Duration,
}

/// What a POST came back with.
struct Answer {
    session: Option<String>,
    message: Option<Value>,
}

impl Upstream<'_> {
    /// Sends one request (`method` with `params`) in a session of its own
    /// and answers its `result`; a `tools/list` gathers every page.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Value, UpstreamError> {
        within_time_limit(self.timeout, self.exchange(method, params))
            .await
            .map_err(UpstreamError::Timeout)?
    }

    async fn exchange(&self, method: &str, params: Value) -> Result<Value, UpstreamError> {
        let initialize = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": { "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                        "clientInfo": { "name": "bosun", "version": env!("CARGO_PKG_VERSION") } }
        });
        let answer = self.post(None, None, &initialize).await?;
        let session = answer.session;
        let initialized = result_of(answer.message, 0)?;
        let version = initialized
            .get("protocolVersion")
            .and_then(Value::as_str)
            .ok_or(UpstreamError::Malformed(
                "initialize answered no protocolVersion",
            ))?
            .to_owned();
        let outcome = self
            .in_session(session.as_deref(), &version, method, params)
            .await;
        if let Some(session) = session {
            self.end_session(session, version);
        }
        outcome
    }

    async fn in_session(
        &self,
        session: Option<&str>,
        version: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, UpstreamError> {
        let notification = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
        self.post(session, Some(version), &notification).await?;
        if method != "tools/list" {
            let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
            let answer = self.post(session, Some(version), &request).await?;
            return result_of(answer.message, 1);
        }
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for page in 1..=MAX_PAGES {
            let params = match &cursor {
                Some(cursor) => json!({ "cursor": cursor }),
                None => json!({}),
            };
            let id = i64::try_from(page).unwrap_or(i64::MAX);
            let request =
                json!({ "jsonrpc": "2.0", "id": id, "method": "tools/list", "params": params });
            let answer = self.post(session, Some(version), &request).await?;
            let mut result = result_of(answer.message, id)?;
            match result.get_mut("tools").map(Value::take) {
                Some(Value::Array(page)) => tools.extend(page),
                _ => return Err(UpstreamError::Malformed("tools/list answered no tools")),
            }
            cursor = result
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        Ok(json!({ "tools": tools }))
    }

    /// Ends the upstream's session in the background: the client's answer
    /// does not wait for it, and a failure changes nothing.
    fn end_session(&self, session: String, version: String) {
        let Ok(request) = self.bosun.http().request("url", Method::DELETE, &self.url) else {
            return;
        };
        let request = self
            .with_headers(request)
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", version)
            .timeout(Duration::from_secs(5));
        tokio::spawn(async move {
            let _ = request.send().await;
        });
    }

    fn with_headers(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        for (name, value) in &self.headers {
            match HeaderValue::from_str(value) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    request = request.header(name, value);
                }
                // Checked when it was stored; never sent half-made.
                Err(_) => tracing::error!(header = %name, "a stored header value is not sendable"),
            }
        }
        request
    }

    async fn post(
        &self,
        session: Option<&str>,
        version: Option<&str>,
        message: &Value,
    ) -> Result<Answer, UpstreamError> {
        let request = self
            .bosun
            .http()
            .request("url", Method::POST, &self.url)
            .map_err(|_| UpstreamError::Unreachable)?;
        let mut request = self
            .with_headers(request)
            .header(ACCEPT, "application/json, text/event-stream")
            .header(CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(message.to_string());
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        if let Some(version) = version {
            request = request.header("mcp-protocol-version", version);
        }
        let mut response = request.send().await.map_err(|error| {
            tracing::warn!(error = %error, url = %self.url, "an MCP server could not be reached");
            if error.is_timeout() {
                UpstreamError::Timeout(TimedOut(self.timeout))
            } else {
                UpstreamError::Unreachable
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(UpstreamError::Status(status.as_u16()));
        }
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .or_else(|| session.map(str::to_owned));
        let expected = message.get("id").cloned();
        let Some(expected) = expected else {
            return Ok(Answer {
                session,
                message: None,
            });
        };
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let message = if content_type.starts_with("text/event-stream") {
            read_event_stream(&mut response, &expected).await?
        } else if content_type.starts_with("application/json") {
            let body = read_bounded(&mut response).await?;
            let value: Value = serde_json::from_slice(&body)
                .map_err(|_| UpstreamError::Malformed("its answer is not JSON"))?;
            match value {
                Value::Array(batch) => batch
                    .into_iter()
                    .find(|message| message.get("id") == Some(&expected)),
                single => Some(single),
            }
        } else {
            return Err(UpstreamError::Malformed(
                "its answer is neither JSON nor an event stream",
            ));
        };
        Ok(Answer { session, message })
    }
}

/// The `result` of the answer to request `id`, or the error it carries.
fn result_of(message: Option<Value>, id: i64) -> Result<Value, UpstreamError> {
    let message = message.ok_or(UpstreamError::Malformed("it did not answer the request"))?;
    if message.get("id") != Some(&json!(id)) {
        return Err(UpstreamError::Malformed("it answered another request"));
    }
    if let Some(error) = message.get("error") {
        return Err(UpstreamError::Rpc {
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("an error without a message")
                .chars()
                .take(500)
                .collect(),
        });
    }
    match message.get("result") {
        Some(result @ Value::Object(_)) => Ok(result.clone()),
        _ => Err(UpstreamError::Malformed("its answer has no result")),
    }
}

async fn read_bounded(response: &mut reqwest::Response) -> Result<Vec<u8>, UpstreamError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| UpstreamError::Unreachable)?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(UpstreamError::Malformed("its answer is larger than 16 MiB"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads server-sent events until the answer to `expected` (a message with
/// that id and a result or an error); notifications and requests of the
/// upstream on the way are passed over.
async fn read_event_stream(
    response: &mut reqwest::Response,
    expected: &Value,
) -> Result<Option<Value>, UpstreamError> {
    let mut buffer: Vec<u8> = Vec::new();
    let mut read = 0;
    loop {
        while let Some(end) = event_end(&buffer) {
            let event: Vec<u8> = buffer.drain(..end.0).collect();
            buffer.drain(..end.1 - end.0);
            if let Some(message) = event_data(&event)
                .and_then(|data| serde_json::from_str::<Value>(&data).ok())
                .filter(|message| {
                    message.get("id") == Some(expected)
                        && (message.get("result").is_some() || message.get("error").is_some())
                })
            {
                return Ok(Some(message));
            }
        }
        let Some(chunk) = response
            .chunk()
            .await
            .map_err(|_| UpstreamError::Unreachable)?
        else {
            return Ok(None);
        };
        read += chunk.len();
        if read > MAX_RESPONSE_BYTES {
            return Err(UpstreamError::Malformed("its answer is larger than 16 MiB"));
        }
        buffer.extend_from_slice(&chunk);
    }
}

/// Where the first event in `buffer` ends: (its end, the end of the blank
/// line after it).
fn event_end(buffer: &[u8]) -> Option<(usize, usize)> {
    (0..buffer.len()).find_map(|at| {
        let rest = &buffer[at..];
        if rest.starts_with(b"\r\n\r\n") {
            Some((at, at + 4))
        } else if rest.starts_with(b"\n\n") || rest.starts_with(b"\r\r") {
            Some((at, at + 2))
        } else {
            None
        }
    })
}

/// An event's data: its `data:` lines joined by line breaks.
fn event_data(event: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(event).ok()?;
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| data.strip_prefix(' ').unwrap_or(data))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_at_blank_lines_and_their_data_joined() {
        let stream = b"event: message\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nid: 2\ndata: x\n\n";
        let (end, next) = event_end(stream).unwrap();
        assert_eq!(event_data(&stream[..end]).unwrap(), "{\"a\":\n1}");
        let rest = &stream[next..];
        let (end, _) = event_end(rest).unwrap();
        assert_eq!(event_data(&rest[..end]).unwrap(), "x");
        assert_eq!(event_data(b": keep-alive"), None);
    }

    #[test]
    fn an_answer_is_its_result_or_the_error_it_carries() {
        let ok = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": []}});
        assert_eq!(result_of(Some(ok), 1).unwrap(), json!({"tools": []}));
        let error = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "no"}});
        assert!(matches!(
            result_of(Some(error), 1),
            Err(UpstreamError::Rpc { .. })
        ));
        for bad in [
            json!({"jsonrpc": "2.0", "id": 2, "result": {}}),
            json!({"jsonrpc": "2.0", "id": 1, "result": 7}),
            json!({"jsonrpc": "2.0", "id": 1}),
        ] {
            assert!(matches!(
                result_of(Some(bad), 1),
                Err(UpstreamError::Malformed(_))
            ));
        }
        assert!(result_of(None, 1).is_err());
        assert!(
            UpstreamError::Timeout(TimedOut(Duration::from_secs(30)))
                .describe("docs")
                .contains("docs did not answer within 30 seconds")
        );
    }
}
