//! OAuth as the REST API and the pages show it: the workspace's providers
//! (admins; never a client secret), a person's own connections to them
//! (never a token), and the accounts an agent needs from whoever runs it.

use serde::{Deserialize, Serialize};

use crate::agents::AgentRef;
use crate::time::Timestamp;
use crate::vocabulary::ConnectionStatus;

/// A provider as admins see it: everything but the client secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthProvider {
    pub id: String,
    /// The machine name agents ask for.
    #[cfg_attr(feature = "openapi", schema(example = "github"))]
    pub name: String,
    pub display_name: String,
    /// The OpenID Connect issuer, when the provider is one.
    pub issuer: Option<String>,
    pub authorize_url: String,
    pub token_url: String,
    pub revocation_url: Option<String>,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// Whether people may sign in to Bosun with it.
    pub login_enabled: bool,
    /// Whether signing in with it creates unknown people as members.
    pub login_creates_users: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Someone's connection to a provider as they (and only they) see it:
/// never a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Connection {
    pub provider: String,
    pub display_name: String,
    pub status: ConnectionStatus,
    pub scopes: Vec<String>,
    pub connected_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    /// The agents that may use this account: those that act as their
    /// user, declare that they need it, and that this person may run. Each
    /// gets the token only in runs this person starts.
    pub agents: Vec<AgentRef>,
}

/// An account an agent that acts as its user needs from whoever runs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionNeed {
    pub provider: String,
    pub display_name: String,
    pub scopes: Vec<String>,
}
