use bosun_wire::tokens::{CreatedToken, Token};

use crate::identity::{self, TokenInfo};

impl From<TokenInfo> for Token {
    fn from(info: TokenInfo) -> Self {
        Self {
            id: info.id.to_string(),
            name: info.name,
            created_at: info.created_at.into(),
            last_used_at: info.last_used_at.map(Into::into),
            agent_id: info.agent_id.map(|id| id.to_string()),
            agent_name: info.agent_name,
            expires_at: info.expires_at.map(Into::into),
        }
    }
}

impl From<identity::CreatedToken> for CreatedToken {
    fn from(created: identity::CreatedToken) -> Self {
        Self {
            info: created.info.into(),
            token: created.token,
        }
    }
}
