//! Sharing an agent with people or the whole workspace.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One line of "who has access, at which level, and why".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntryView {
    /// `None` for the whole workspace.
    pub user_id: Option<String>,
    /// "Ada Lovelace (ada@example.com)" or "Everyone in the workspace".
    pub who: String,
    pub level: String,
    /// `owner`, `user_grant` or `workspace_grant`.
    pub source: String,
    pub grant_id: Option<String>,
    /// The person's own grant when the workspace grant outranks it.
    pub own_grant: Option<String>,
}

/// A member to share with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChoice {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[server(prefix = "/fn", endpoint = "sharing/overview")]
pub async fn access_overview(agent_id: String) -> Result<Vec<AccessEntryView>, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;

    let entries = bosun()?
        .access_overview(&principal().await?, &AgentId::parse(&agent_id)?)
        .await?;
    Ok(entries
        .into_iter()
        .map(|entry| AccessEntryView {
            who: match &entry.user {
                Some(user) => format!("{} ({})", user.name, user.email),
                None => "Everyone in the workspace".into(),
            },
            user_id: entry.user.map(|user| user.id.to_string()),
            level: entry.level.as_str().into(),
            source: entry.source.as_str().into(),
            grant_id: entry.grant_id.map(|id| id.to_string()),
            own_grant: entry.own_grant.map(|level| level.as_str().into()),
        })
        .collect())
}

/// Grants `level` to a member (`user_id`) or, with an empty `user_id`, to
/// the whole workspace; an existing grant changes level.
#[server(prefix = "/fn", endpoint = "sharing/share")]
pub async fn share_agent(agent_id: String, user_id: String, level: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::agents::grants::GrantTarget;
    use bosun_service::ids::AgentId;

    let target = if user_id.is_empty() {
        GrantTarget::Workspace
    } else {
        GrantTarget::User(user_id)
    };
    bosun()?
        .share_agent(
            &principal().await?,
            &AgentId::parse(&agent_id)?,
            target,
            &level,
        )
        .await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sharing/revoke")]
pub async fn revoke_grant(agent_id: String, grant_id: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::{AgentId, GrantId};

    bosun()?
        .revoke_grant(
            &principal().await?,
            &AgentId::parse(&agent_id)?,
            &GrantId::parse(&grant_id)?,
        )
        .await?;
    Ok(())
}

/// Members whose name or email contains `query`.
#[server(prefix = "/fn", endpoint = "members/search")]
pub async fn search_members(query: String) -> Result<Vec<MemberChoice>, AppError> {
    use super::ssr::{bosun, principal};

    let members = bosun()?.search_members(&principal().await?, &query).await?;
    Ok(members
        .into_iter()
        .map(|m| MemberChoice {
            id: m.id.to_string(),
            name: m.name,
            email: m.email,
        })
        .collect())
}
