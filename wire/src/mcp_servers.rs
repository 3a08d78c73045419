//! Remote MCP servers as the REST API and the pages list them: the
//! workspace's register of upstream servers (never a header secret; the
//! whole URL and the agents using each for admins only) and the servers an
//! agent may use, with the address MCP clients reach each at.

use serde::{Deserialize, Serialize};

use crate::agents::AgentRef;
use crate::time::Timestamp;
use crate::vocabulary::RemoteAuthKind;

/// How Bosun authenticates to an upstream server, as listed: never the
/// secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteServerAuth {
    pub kind: RemoteAuthKind,
    /// The header's name, never its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The OAuth provider whose connection each person's calls use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl RemoteServerAuth {
    /// In words, as a page says it: "secret in the X-Api-Key header".
    pub fn in_words(&self) -> String {
        match (self.kind, &self.header, &self.provider) {
            (RemoteAuthKind::Header, Some(header), _) => format!("secret in the {header} header"),
            (RemoteAuthKind::Oauth, _, Some(provider)) => {
                format!("each person's {provider} account")
            }
            (RemoteAuthKind::Oauth, _, None) => "an OAuth provider that was removed".into(),
            (RemoteAuthKind::Header, None, _) => "a header secret".into(),
            (RemoteAuthKind::None, _, _) => "none".into(),
        }
    }
}

/// A registered server: never its secret; its whole URL and the agents
/// using it for admins only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteServer {
    pub name: String,
    pub description: String,
    /// In full for admins; scheme, host and port for anyone else (a path
    /// or query may hold a key).
    pub url: String,
    pub auth: RemoteServerAuth,
    pub timeout_seconds: u64,
    /// The agents that may use it (admins only; empty for others).
    pub agents: Vec<AgentRef>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A server an agent may use, and where MCP clients reach it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRemoteServer {
    pub name: String,
    pub description: String,
    pub auth: RemoteServerAuth,
    /// `/mcp/{agent}/{name}`, on Bosun's own address.
    #[cfg_attr(feature = "openapi", schema(example = "/mcp/0193…/github"))]
    pub path: String,
}
