//! The MCP servers an agent was seen using, the names it knows them by,
//! and the remote MCP servers a workspace attaches to its agents.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::AgentId;
pub use bosun_wire::vocabulary::{RemoteAuthKind, Transport};

/// A server as recorded.
#[derive(Clone, Debug, Serialize)]
pub struct McpServer {
    pub id: String,
    pub agent_id: AgentId,
    pub name: ServerName,
    pub transport: Transport,
    pub origin: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// The name an agent knows one of its MCP servers by: 1 to 32 lower-case
/// letters, digits and single underscores, starting with a letter and not
/// ending with `_`, so that `mcp__<server>__<tool>` reads back one way.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServerName(String);

impl ServerName {
    /// Parses a name as given (`--name`, a REST field), naming `field` in
    /// the error.
    pub fn parse(field: &'static str, name: &str) -> crate::Result<Self> {
        let valid = name.len() <= MAX_SERVER_NAME_CHARS
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && !name.ends_with('_')
            && !name.contains("__")
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if name.is_empty() {
            return Err(crate::Error::invalid(field, "is required"));
        }
        if !valid {
            return Err(crate::Error::invalid(
                field,
                format!(
                    "must be 1 to {MAX_SERVER_NAME_CHARS} lower-case letters, digits or single underscores, \
                     starting with a letter and not ending with an underscore"
                ),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name a server gives itself (`serverInfo.name`, such as
    /// `secure-filesystem-server`) made a server name: lower case, words
    /// split at capitals, anything else than a letter or digit an
    /// underscore, runs of them one (`secure_filesystem_server`). Fails
    /// when nothing usable is left, or it is too long: the server then
    /// needs a name of its own (`--name`).
    pub fn from_server_info(name: &str) -> crate::Result<Self> {
        let snake = snake_case(name);
        let trimmed = snake.trim_matches('_');
        Self::parse("name", trimmed).map_err(|_| {
            crate::Error::invalid(
                "name",
                format!(
                    "the server calls itself {name:?}, which makes no server name \
                     (1 to {MAX_SERVER_NAME_CHARS} lower-case letters, digits or underscores, starting with a letter); \
                     give it one"
                ),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ServerName {
    type Error = crate::Error;

    fn try_from(name: String) -> crate::Result<Self> {
        Self::parse("name", &name)
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An agent a server is attached to.
#[derive(Clone, Debug, Serialize)]
pub struct AttachedAgent {
    pub id: AgentId,
    pub name: String,
}

/// The columns an authentication is stored in.
pub(crate) struct StoredAuth {
    pub kind: RemoteAuthKind,
    pub header_name: Option<String>,
    pub header_value_sealed: Option<String>,
    pub provider_id: Option<String>,
    pub provider_name: Option<String>,
}

/// The longest server name: short enough that its tools' names fit the
/// catalog's 64 characters with room for the tool's own.
pub const MAX_SERVER_NAME_CHARS: usize = 32;

impl From<ServerName> for String {
    fn from(name: ServerName) -> Self {
        name.0
    }
}

/// `text` in snake case: lower case, words split where a lower-case
/// letter or digit meets a capital, every other character than a letter
/// or digit an underscore, runs of underscores one.
pub(crate) fn snake_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        let piece = if c.is_ascii_uppercase() {
            if previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
            c.to_ascii_lowercase()
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if !(piece == '_' && out.ends_with('_')) {
            out.push(piece);
        }
        previous = Some(c);
    }
    out
}
