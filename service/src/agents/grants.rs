//! Sharing an agent: grants to people or to the whole workspace, managed by
//! the agent's owner and workspace admins.

use serde::Serialize;

use super::AgentView;
use super::access::{AccessLevel, AccessSource, Capability, Manageable};
use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, GrantId, UserId};
pub use crate::model::agents::Grant;
use crate::model::runs::Affected;
use crate::store::grants::{self, GrantInsert, GrantRow};
use crate::store::users;
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{GrantRevoked, GrantSaved};

/// Whom a grant is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantTarget {
    User(String),
    Workspace,
}

/// One line of "who has access and why", for the sharing dialog.
#[derive(Clone, Debug, Serialize)]
pub struct AccessEntry {
    /// `None` for the whole-workspace line.
    pub user: Option<crate::model::identity::MemberSummary>,
    pub level: AccessLevel,
    pub source: AccessSource,
    /// The grant behind this line, if one can be changed or revoked here.
    pub grant_id: Option<GrantId>,
    /// The person's own grant, when the workspace grant outranks it.
    pub own_grant: Option<AccessLevel>,
}

impl Bosun {
    /// The agent's grants (owner and admins).
    pub async fn list_grants(&self, principal: &Principal, agent: &AgentId) -> Result<Vec<Grant>> {
        self.agent_for(principal, agent, Capability::ManageSharing)
            .await?;
        self.grant_rows(agent)
            .await?
            .iter()
            .map(GrantRow::grant)
            .collect()
    }

    /// Who has access to the agent, at which level and why: the owner, each
    /// person with a grant, and the workspace (owner and admins).
    pub async fn access_overview(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<Vec<AccessEntry>> {
        let view = self
            .agent_for(principal, agent, Capability::ManageSharing)
            .await?;
        let rows = self.grant_rows(agent).await?;
        let grants: Vec<(GrantRow, Grant)> = rows
            .into_iter()
            .map(|row| row.grant().map(|grant| (row, grant)))
            .collect::<Result<_>>()?;
        let workspace_level = grants
            .iter()
            .find(|(_, g)| g.workspace)
            .map(|(_, g)| g.level);
        let owner = self.member_summary(&view.agent.owner_id).await?;
        let mut entries = vec![AccessEntry {
            user: Some(owner),
            level: AccessLevel::Edit,
            source: AccessSource::Owner,
            grant_id: None,
            own_grant: None,
        }];
        for (row, grant) in &grants {
            let (Some(id), Some(name), Some(email)) =
                (&grant.user_id, &row.user_name, &row.user_email)
            else {
                continue;
            };
            let workspace_wins = workspace_level.is_some_and(|w| w > grant.level);
            entries.push(AccessEntry {
                user: Some(crate::model::identity::MemberSummary {
                    id: id.clone(),
                    name: name.clone(),
                    email: email.clone(),
                }),
                level: if workspace_wins {
                    workspace_level.unwrap_or(grant.level)
                } else {
                    grant.level
                },
                source: if workspace_wins {
                    AccessSource::WorkspaceGrant
                } else {
                    AccessSource::UserGrant
                },
                grant_id: Some(grant.id.clone()),
                own_grant: workspace_wins.then_some(grant.level),
            });
        }
        if let Some((_, grant)) = grants.iter().find(|(_, g)| g.workspace) {
            entries.push(AccessEntry {
                user: None,
                level: grant.level,
                source: AccessSource::WorkspaceGrant,
                grant_id: Some(grant.id.clone()),
                own_grant: None,
            });
        }
        Ok(entries)
    }

    /// Grants `level` to a person or the whole workspace, or changes the
    /// level if they already have a grant (owner and admins).
    pub async fn share_agent(
        &self,
        principal: &Principal,
        agent: &AgentId,
        target: GrantTarget,
        level: &str,
    ) -> Result<Grant> {
        let mut tx = self.db().begin_write().await?;
        let proof: Manageable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        let view = proof.get();
        let level: AccessLevel = validate::one_of("level", level)?;
        let user = match &target {
            GrantTarget::User(id) => {
                let user = self
                    .active_member(&mut tx, principal, "user_id", id)
                    .await?;
                if user == view.agent.owner_id {
                    return Err(Error::invalid(
                        "user_id",
                        "the owner already has full access",
                    ));
                }
                Some(user)
            }
            GrantTarget::Workspace => None,
        };
        let now = self.now();
        let existing = grants::existing(&mut tx, agent, user.as_ref()).await?;
        let (id, kind, previous) = match existing {
            Some((id, previous)) => {
                grants::set_level(&mut tx, &id, level).await?;
                (
                    GrantId::from_string(id),
                    EventKind::GrantChanged,
                    Some(validate::stored("grant level", &previous)?),
                )
            }
            None => {
                let id = GrantId::generate();
                let row = GrantInsert {
                    id: &id,
                    agent,
                    user: user.as_ref(),
                    level,
                    created_by: &principal.user_id,
                    created_at: to_millis(now),
                };
                grants::insert(&mut tx, row).await?;
                (id, EventKind::GrantCreated, None)
            }
        };
        let data = events::data_of(&GrantSaved {
            grant_id: id.to_string(),
            user_id: user.as_ref().map(UserId::to_string),
            workspace: user.is_none(),
            level,
            previous_level: previous,
        })?;
        events::append(
            &mut tx,
            now,
            NewEvent::audit(kind, principal, Some(agent), data),
        )
        .await?;
        tx.commit().await?;
        Ok(Grant {
            id,
            workspace: user.is_none(),
            user_id: user,
            level,
            created_at: now,
        })
    }

    /// Changes the level of an existing grant (owner and admins).
    pub async fn change_grant(
        &self,
        principal: &Principal,
        agent: &AgentId,
        grant: &GrantId,
        level: &str,
    ) -> Result<Grant> {
        let current = self.grant(principal, agent, grant).await?;
        let target = match current.user_id {
            Some(user) => GrantTarget::User(user.to_string()),
            None => GrantTarget::Workspace,
        };
        self.share_agent(principal, agent, target, level).await
    }

    /// Revokes a grant (owner and admins). Takes effect at the grantee's
    /// very next request: access is never cached. The pending approval
    /// requests of runs it leaves without access are withdrawn in the same
    /// transaction, and their waiting agents told.
    pub async fn revoke_grant(
        &self,
        principal: &Principal,
        agent: &AgentId,
        grant: &GrantId,
    ) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let _: Manageable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        let current = find_grant(grants::of_agent(&mut tx, agent).await?, grant)?;
        grants::delete(&mut tx, agent, grant).await?;
        let data = events::data_of(&GrantRevoked {
            grant_id: grant.to_string(),
            user_id: current.user_id.as_ref().map(UserId::to_string),
            workspace: current.workspace,
            level: current.level,
        })?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(EventKind::GrantRevoked, principal, Some(agent), data),
        )
        .await?;
        self.withdraw_disentitled(&mut tx, &principal.workspace_id, Affected::Agent(agent))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn grant(
        &self,
        principal: &Principal,
        agent: &AgentId,
        grant: &GrantId,
    ) -> Result<Grant> {
        self.agent_for(principal, agent, Capability::ManageSharing)
            .await?;
        find_grant(self.grant_rows(agent).await?, grant)
    }

    async fn grant_rows(&self, agent: &AgentId) -> Result<Vec<GrantRow>> {
        grants::of_agent(&mut *self.db().pool().acquire().await?, agent).await
    }

    async fn member_summary(&self, id: &UserId) -> Result<crate::model::identity::MemberSummary> {
        users::summary(self.db().pool(), id).await
    }
}

fn find_grant(rows: Vec<GrantRow>, grant: &GrantId) -> Result<Grant> {
    rows.iter()
        .find(|row| row.id == grant.as_str())
        .ok_or(Error::NotFound("grant"))?
        .grant()
}
