//! The logged-in user's personal access tokens for the REST API.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::dates::{Precision, absolute};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    /// For an agent token: the name of the agent whose interactive runs it
    /// is limited to.
    pub agent: Option<String>,
    /// When it stops working; none for never.
    pub expires: Option<String>,
}

/// A token just created, with the value shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub token: TokenView,
    pub value: String,
}

#[cfg(feature = "ssr")]
impl From<bosun_service::identity::TokenInfo> for TokenView {
    fn from(info: bosun_service::identity::TokenInfo) -> Self {
        Self {
            id: info.id.to_string(),
            name: info.name,
            created: absolute(info.created_at, Precision::Minute),
            last_used: info.last_used_at.map(|at| absolute(at, Precision::Minute)),
            agent: info.agent_name,
            expires: info.expires_at.map(|at| absolute(at, Precision::Minute)),
        }
    }
}

#[server(prefix = "/fn", endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    use super::ssr::{bosun, principal};
    let tokens = bosun()?.list_tokens(&principal().await?).await?;
    Ok(tokens.into_iter().map(TokenView::from).collect())
}

#[server(prefix = "/fn", endpoint = "tokens/create")]
pub async fn create_token(name: String) -> Result<NewToken, AppError> {
    use super::ssr::{bosun, principal};
    let created = bosun()?.create_token(&principal().await?, &name).await?;
    Ok(NewToken {
        token: created.info.into(),
        value: created.token,
    })
}

/// An agent token for the agent: limited to its interactive runs, expiring
/// after `expires_in_days` days if given (1 to 366).
#[server(prefix = "/fn", endpoint = "tokens/create_for_agent")]
pub async fn create_agent_token(
    agent_id: String,
    expires_in_days: Option<String>,
) -> Result<NewToken, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::Error;
    use bosun_service::identity::NewToken as Request;
    use bosun_service::ids::AgentId;
    let bosun = bosun()?;
    let days = match expires_in_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(days) => Some(
            days.parse::<u64>()
                .ok()
                .filter(|days| (1..=366).contains(days))
                .ok_or_else(|| {
                    Error::invalid("expires_in_days", "must be a number of days from 1 to 366")
                })?,
        ),
    };
    let request = Request {
        name: String::new(),
        agent: Some(AgentId::parse(&agent_id)?),
        expires_at: days
            .map(|days| bosun.now() + std::time::Duration::from_secs(days * 24 * 60 * 60)),
    };
    let created = bosun
        .create_scoped_token(&principal().await?, request)
        .await?;
    Ok(NewToken {
        token: created.info.into(),
        value: created.token,
    })
}

#[server(prefix = "/fn", endpoint = "tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::TokenId;
    bosun()?
        .revoke_token(&principal().await?, &TokenId::parse(&id)?)
        .await?;
    Ok(())
}
