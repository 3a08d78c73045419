//! The logged-in user's personal access tokens for the REST API.

pub use bosun_wire::tokens::{CreatedToken, Token};
use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/fn", endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<Token>, AppError> {
    use super::ssr::{bosun, principal};
    let tokens = bosun()?.list_tokens(&principal().await?).await?;
    Ok(tokens.into_iter().map(Token::from).collect())
}

#[server(prefix = "/fn", endpoint = "tokens/create")]
pub async fn create_token(name: String) -> Result<CreatedToken, AppError> {
    use super::ssr::{bosun, principal};
    let created = bosun()?.create_token(&principal().await?, &name).await?;
    Ok(created.into())
}

/// An agent token for the agent: limited to its interactive runs, expiring
/// after `expires_in_days` days if given (1 to 366).
#[server(prefix = "/fn", endpoint = "tokens/create_for_agent")]
pub async fn create_agent_token(
    agent_id: String,
    expires_in_days: Option<String>,
) -> Result<CreatedToken, AppError> {
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
    Ok(created.into())
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
