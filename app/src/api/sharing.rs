//! Sharing an agent with people or the whole workspace.

pub use bosun_wire::members::MemberSummary;
pub use bosun_wire::sharing::AccessEntry;
use leptos::prelude::*;

use crate::error::AppError;

/// Who has access to the agent, at which level and why: its owner, each
/// member with a grant, and the whole workspace (owner and admins).
#[server(prefix = "/fn", endpoint = "sharing/overview")]
pub async fn access_overview(agent_id: String) -> Result<Vec<AccessEntry>, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::AgentId;

    let entries = bosun()?
        .access_overview(&principal().await?, &AgentId::parse(&agent_id)?)
        .await?;
    Ok(entries.into_iter().map(AccessEntry::from).collect())
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
pub async fn search_members(query: String) -> Result<Vec<MemberSummary>, AppError> {
    use super::ssr::{bosun, principal};

    let members = bosun()?.search_members(&principal().await?, &query).await?;
    Ok(members.into_iter().map(MemberSummary::from).collect())
}
