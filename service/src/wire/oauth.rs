use bosun_wire::oauth::{Connection, OAuthProvider};

use super::agent_ref;
use crate::clock::from_millis;
use crate::oauth::{providers, split_scopes, tokens};

impl From<&providers::StoredProvider> for OAuthProvider {
    fn from(provider: &providers::StoredProvider) -> Self {
        Self {
            id: provider.id.clone(),
            name: provider.name.clone(),
            display_name: provider.display_name.clone(),
            issuer: provider.issuer.clone(),
            authorize_url: provider.authorize_url.clone(),
            token_url: provider.token_url.clone(),
            revocation_url: provider.revocation_url.clone(),
            client_id: provider.client_id.clone(),
            scopes: split_scopes(&provider.scopes),
            login_enabled: provider.login_enabled != 0,
            login_creates_users: provider.login_creates_users != 0,
            created_at: from_millis(provider.created_at).into(),
            updated_at: from_millis(provider.updated_at).into(),
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
