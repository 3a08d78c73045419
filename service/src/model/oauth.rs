//! People's OAuth connections, the agents that use them, and the
//! providers a workspace configures.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::AgentId;
use bosun_wire::events::OAuthProviderSaved;
/// An account a `user` agent needs from whoever runs it: the wire's shape,
/// which has nothing to convert.
pub use bosun_wire::oauth::ConnectionNeed;
use bosun_wire::vocabulary::ConnectionStatus;

/// Someone's connection as they (and only they) see it: never a token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub provider: String,
    pub display_name: String,
    pub status: ConnectionStatus,
    pub scopes: Vec<String>,
    pub connected_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The agents that may use this account: those that act as their user,
    /// declare that they need it, and that this person may run. Each gets
    /// the token only in runs this person starts.
    pub agents: Vec<AgentUsingConnection>,
}

/// An agent that may use a person's connection, by id and name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgentUsingConnection {
    pub id: AgentId,
    pub name: String,
}

/// A provider's fields once checked: what the audit log records of a
/// change (never the secret), and the name it is shown by.
pub(crate) struct CheckedProvider {
    pub display_name: String,
    pub fields: OAuthProviderSaved,
}

/// The scopes of a space-separated list.
pub fn split_scopes(scopes: &str) -> Vec<String> {
    scopes.split_whitespace().map(str::to_owned).collect()
}
