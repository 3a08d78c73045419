//! Sharing an agent: grants to people or to the whole workspace, managed by
//! the agent's owner and workspace admins.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::AgentView;
use super::access::{AccessLevel, AccessSource, Capability, Manageable};
use crate::clock::{from_millis, to_millis};
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, GrantId, UserId};
use crate::runs::approvals::Affected;
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{GrantRevoked, GrantSaved};

/// Whom a grant is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantTarget {
    User(String),
    Workspace,
}

/// A grant, in the REST contract's shape.
#[derive(Clone, Debug, Serialize)]
pub struct Grant {
    pub id: GrantId,
    pub user_id: Option<UserId>,
    pub workspace: bool,
    pub level: AccessLevel,
    pub created_at: DateTime<Utc>,
}

/// One line of "who has access and why", for the sharing dialog.
#[derive(Clone, Debug, Serialize)]
pub struct AccessEntry {
    /// `None` for the whole-workspace line.
    pub user: Option<crate::identity::MemberSummary>,
    pub level: AccessLevel,
    pub source: AccessSource,
    /// The grant behind this line, if one can be changed or revoked here.
    pub grant_id: Option<GrantId>,
    /// The person's own grant, when the workspace grant outranks it.
    pub own_grant: Option<AccessLevel>,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: String,
    user_id: Option<String>,
    level: String,
    created_at: i64,
    user_name: Option<String>,
    user_email: Option<String>,
}

impl GrantRow {
    fn grant(&self) -> Result<Grant> {
        Ok(Grant {
            id: GrantId::from_string(self.id.clone()),
            user_id: self.user_id.clone().map(UserId::from_string),
            workspace: self.user_id.is_none(),
            level: validate::one_of("level", &self.level)?,
            created_at: from_millis(self.created_at),
        })
    }
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
                user: Some(crate::identity::MemberSummary {
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
        let existing: Option<(String, String)> = sqlx::query_as(
            "SELECT id, level FROM agent_grants WHERE agent_id = $1 \
             AND ((user_id IS NULL AND $2 IS NULL) OR user_id = $2)",
        )
        .bind(agent.as_str())
        .bind(user.as_ref().map(UserId::as_str))
        .fetch_optional(&mut *tx)
        .await?;
        let (id, kind, previous) = match existing {
            Some((id, previous)) => {
                sqlx::query("UPDATE agent_grants SET level = $1 WHERE id = $2")
                    .bind(level.as_str())
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                (
                    GrantId::from_string(id),
                    EventKind::GrantChanged,
                    Some(validate::one_of("level", &previous)?),
                )
            }
            None => {
                let id = GrantId::generate();
                sqlx::query(
                    "INSERT INTO agent_grants (id, agent_id, user_id, level, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.as_str())
                .bind(agent.as_str())
                .bind(user.as_ref().map(UserId::as_str))
                .bind(level.as_str())
                .bind(principal.user_id.as_str())
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
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
        let current = find_grant(grant_rows(&mut tx, agent).await?, grant)?;
        sqlx::query("DELETE FROM agent_grants WHERE id = $1 AND agent_id = $2")
            .bind(grant.as_str())
            .bind(agent.as_str())
            .execute(&mut *tx)
            .await?;
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
        grant_rows(&mut *self.db().pool().acquire().await?, agent).await
    }

    async fn member_summary(&self, id: &UserId) -> Result<crate::identity::MemberSummary> {
        let (name, email): (String, String) =
            sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
                .bind(id.as_str())
                .fetch_one(self.db().pool())
                .await?;
        Ok(crate::identity::MemberSummary {
            id: id.clone(),
            name,
            email,
        })
    }
}

/// The agent's grants as read on `connection`.
async fn grant_rows(
    connection: &mut sqlx::AnyConnection,
    agent: &AgentId,
) -> Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(
        "SELECT g.id, g.user_id, g.level, g.created_at, u.name AS user_name, u.email AS user_email \
         FROM agent_grants g LEFT JOIN users u ON u.id = g.user_id \
         WHERE g.agent_id = $1 ORDER BY g.user_id IS NULL, lower(u.name), g.id",
    )
    .bind(agent.as_str())
    .fetch_all(connection)
    .await?)
}

fn find_grant(rows: Vec<GrantRow>, grant: &GrantId) -> Result<Grant> {
    rows.iter()
        .find(|row| row.id == grant.as_str())
        .ok_or(Error::NotFound("grant"))?
        .grant()
}
