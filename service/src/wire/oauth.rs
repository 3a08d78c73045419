use bosun_wire::oauth::{Connection, ConnectionNeed, OAuthProvider};

use super::agent_ref;
use crate::oauth::{providers, tokens};

impl From<providers::ProviderInfo> for OAuthProvider {
    fn from(provider: providers::ProviderInfo) -> Self {
        Self {
            id: provider.id.to_string(),
            name: provider.name,
            display_name: provider.display_name,
            issuer: provider.issuer,
            authorize_url: provider.authorize_url,
            token_url: provider.token_url,
            revocation_url: provider.revocation_url,
            client_id: provider.client_id,
            scopes: provider.scopes,
            login_enabled: provider.login_enabled,
            login_creates_users: provider.login_creates_users,
            created_at: provider.created_at.into(),
            updated_at: provider.updated_at.into(),
        }
    }
}

impl From<tokens::ConnectionInfo> for Connection {
    fn from(connection: tokens::ConnectionInfo) -> Self {
        Self {
            provider: connection.provider,
            display_name: connection.display_name,
            status: connection.status,
            scopes: connection.scopes,
            connected_at: connection.connected_at.map(Into::into),
            expires_at: connection.expires_at.map(Into::into),
            last_used_at: connection.last_used_at.map(Into::into),
            agents: connection
                .agents
                .into_iter()
                .map(|agent| agent_ref(&agent.id, agent.name))
                .collect(),
        }
    }
}

impl From<tokens::ConnectionNeed> for ConnectionNeed {
    fn from(need: tokens::ConnectionNeed) -> Self {
        Self {
            provider: need.provider,
            display_name: need.display_name,
            scopes: need.scopes,
        }
    }
}
