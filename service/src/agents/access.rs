//! The one place that decides what a principal may do with an agent.
//!
//! Every agent use case loads an [`AgentAccess`] first and asks it; nothing
//! else in Bosun compares levels or checks ownership.

use crate::{Error, Result, validate};

pub use bosun_wire::vocabulary::{AccessLevel, AccessSource};

/// The agents of workspace `workspace` that user `user` may edit (both
/// placeholders of the caller's statement), as a `SELECT` of their ids:
/// for lists filtered inside the store, where loading every agent's
/// [`AgentAccess`] would not do. It says what [`AgentAccess::allows`] says
/// for [`Capability::Edit`] for a member who is not an admin: the owner, or
/// an `edit` grant to them or to the whole workspace.
pub(crate) fn editable_agents_sql(workspace: &str, user: &str) -> String {
    format!(
        "SELECT agents.id FROM agents WHERE agents.workspace_id = {workspace} AND (agents.owner_id = {user} \
         OR EXISTS (SELECT 1 FROM agent_grants g WHERE g.agent_id = agents.id AND g.level = 'edit' \
         AND (g.user_id = {user} OR g.user_id IS NULL)))"
    )
}

/// The agents of workspace `workspace` that user `user` may run, given
/// whether they administer it (`admin`, 1 or 0; all three placeholders of
/// the caller's statement), as a `SELECT` of their ids: what
/// [`AgentAccess::allows`] says for [`Capability::Run`]: admins, the owner,
/// or any grant to them or to the whole workspace.
pub(crate) fn runnable_agents_sql(workspace: &str, user: &str, admin: &str) -> String {
    format!(
        "SELECT agents.id FROM agents WHERE agents.workspace_id = {workspace} AND ({admin} = 1 \
         OR agents.owner_id = {user} OR EXISTS (SELECT 1 FROM agent_grants g WHERE g.agent_id = agents.id \
         AND (g.user_id = {user} OR g.user_id IS NULL)))"
    )
}

/// Whether the runtime key row `key` of the agent row `agent` works, as SQL
/// (aliases of the caller's statement): it is not revoked, and whoever
/// created it is still an active member who owns the agent or administers
/// the workspace. What [`AgentAccess::allows`] says for
/// [`Capability::ManageKeys`], checked at every use, so that a key stops
/// working at the very next request once its creator loses those rights.
pub(crate) fn live_key_sql(key: &str, agent: &str) -> String {
    format!(
        "({key}.revoked_at IS NULL AND EXISTS (SELECT 1 FROM users key_creators \
         WHERE key_creators.id = {key}.created_by AND key_creators.workspace_id = {agent}.workspace_id \
         AND key_creators.deactivated_at IS NULL \
         AND (key_creators.role = 'admin' OR key_creators.id = {agent}.owner_id)))"
    )
}

/// Whether whoever the run row `run` of the agent row `agent` acts for may
/// still have it go on, as SQL (aliases of the caller's statement): the
/// user who started it is an active member who may still run the agent
/// ([`AgentAccess::allows`] for [`Capability::Run`]: admin, owner or any
/// grant), or the runtime key that started it is not revoked and was
/// created by someone who still owns the agent or administers the
/// workspace. A run with neither acts for nobody and may not go on:
/// revoking a stolen key also stops the runs it started.
pub(crate) fn run_entitled_sql(run: &str, agent: &str) -> String {
    format!(
        "(({run}.started_by IS NOT NULL AND EXISTS (SELECT 1 FROM users run_starters \
           WHERE run_starters.id = {run}.started_by AND run_starters.workspace_id = {agent}.workspace_id \
           AND run_starters.deactivated_at IS NULL \
           AND (run_starters.role = 'admin' OR run_starters.id = {agent}.owner_id \
             OR EXISTS (SELECT 1 FROM agent_grants run_grants WHERE run_grants.agent_id = {agent}.id \
               AND (run_grants.user_id = run_starters.id OR run_grants.user_id IS NULL))))) \
         OR ({run}.started_by IS NULL AND EXISTS (SELECT 1 FROM runtime_keys starting_keys \
           JOIN users key_creators ON key_creators.id = starting_keys.created_by \
           WHERE starting_keys.id = {run}.started_by_key AND starting_keys.revoked_at IS NULL \
           AND key_creators.workspace_id = {agent}.workspace_id \
           AND key_creators.deactivated_at IS NULL \
           AND (key_creators.role = 'admin' OR key_creators.id = {agent}.owner_id))))"
    )
}

/// The user a run counts as started by, as SQL over the run row `run`: its
/// starter, or for a run its runtime key started, the key's creator. For
/// the rule that nobody approves their own run's requests.
pub(crate) fn run_starter_sql(run: &str) -> String {
    format!(
        "COALESCE({run}.started_by, (SELECT starting_keys.created_by FROM runtime_keys starting_keys \
         WHERE starting_keys.id = {run}.started_by_key))"
    )
}

/// What one might want to do with an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    View,
    Run,
    Clone,
    Edit,
    /// Grant, change and revoke access; transfer ownership.
    ManageSharing,
    /// Create, list and revoke the runtime keys its worker acts with: a
    /// key starts runs and receives the agent's secrets, so only those who
    /// may give the agent away may mint one.
    ManageKeys,
    Delete,
}

/// A principal's standing towards one agent, computed fresh for every
/// request so that a revoked grant stops working at the very next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentAccess {
    pub is_owner: bool,
    pub is_admin: bool,
    pub user_grant: Option<AccessLevel>,
    pub workspace_grant: Option<AccessLevel>,
}

impl AgentAccess {
    /// The level that counts: owners and admins hold `Edit`; everyone else
    /// the higher of their own grant and the workspace grant.
    pub fn level(&self) -> Option<AccessLevel> {
        if self.is_owner || self.is_admin {
            Some(AccessLevel::Edit)
        } else {
            self.user_grant.max(self.workspace_grant)
        }
    }

    /// Where [`AgentAccess::level`] comes from.
    pub fn source(&self) -> Option<AccessSource> {
        if self.is_owner {
            Some(AccessSource::Owner)
        } else if self.is_admin {
            Some(AccessSource::Admin)
        } else {
            match (self.user_grant, self.workspace_grant) {
                (None, None) => None,
                (Some(own), Some(workspace)) if workspace > own => {
                    Some(AccessSource::WorkspaceGrant)
                }
                (Some(_), _) => Some(AccessSource::UserGrant),
                (None, Some(_)) => Some(AccessSource::WorkspaceGrant),
            }
        }
    }

    pub fn allows(&self, capability: Capability) -> bool {
        let level = self.level();
        match capability {
            Capability::View | Capability::Run => level >= Some(AccessLevel::Run),
            Capability::Clone => level >= Some(AccessLevel::Clone),
            Capability::Edit => level >= Some(AccessLevel::Edit),
            Capability::ManageSharing | Capability::ManageKeys | Capability::Delete => {
                self.is_owner || self.is_admin
            }
        }
    }

    /// Refuses what the principal may not do: as "not found" when they may
    /// not even know the agent exists, otherwise as "forbidden", saying why.
    pub fn require(&self, capability: Capability) -> Result<()> {
        if self.allows(capability) {
            return Ok(());
        }
        if !self.allows(Capability::View) {
            return Err(Error::NotFound("agent"));
        }
        let message = match capability {
            Capability::View | Capability::Run => "you need at least run access to this agent",
            Capability::Clone => "you need clone or edit access to copy this agent",
            Capability::Edit => "you need edit access to change this agent",
            Capability::ManageSharing => {
                "only the agent's owner and workspace admins manage its sharing"
            }
            Capability::ManageKeys => {
                "only the agent's owner and workspace admins manage its runtime keys"
            }
            Capability::Delete => "only the agent's owner and workspace admins may delete it",
        };
        Err(Error::forbidden(message))
    }

    /// A user's standing as the store has it: who they are, whether they
    /// administer the workspace, the agent's owner, and the grant levels as
    /// `agent_grants` spells them.
    pub(crate) fn from_stored(
        user_id: &str,
        is_admin: bool,
        owner_id: &str,
        user_grant: Option<&str>,
        workspace_grant: Option<&str>,
    ) -> Result<Self> {
        let level = |value: Option<&str>| value.map(|v| validate::one_of("level", v)).transpose();
        Ok(Self {
            is_owner: user_id == owner_id,
            is_admin,
            user_grant: level(user_grant)?,
            workspace_grant: level(workspace_grant)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccessLevel::{Clone as C, Edit as E, Run as R};

    fn grants(user: Option<AccessLevel>, workspace: Option<AccessLevel>) -> AgentAccess {
        AgentAccess {
            is_owner: false,
            is_admin: false,
            user_grant: user,
            workspace_grant: workspace,
        }
    }

    #[test]
    fn levels_are_ordered_run_clone_edit() {
        assert!(R < C && C < E);
    }

    #[test]
    fn the_effective_level_is_the_higher_grant() {
        assert_eq!(grants(Some(R), Some(E)).level(), Some(E));
        assert_eq!(grants(Some(E), Some(R)).level(), Some(E));
        assert_eq!(grants(None, Some(C)).level(), Some(C));
        assert_eq!(grants(None, None).level(), None);
        assert_eq!(
            grants(Some(R), Some(E)).source(),
            Some(AccessSource::WorkspaceGrant)
        );
        assert_eq!(
            grants(Some(E), Some(E)).source(),
            Some(AccessSource::UserGrant)
        );
    }

    #[test]
    fn capabilities_follow_the_level() {
        let table = [
            (Some(R), [true, true, false, false, false, false, false]),
            (Some(C), [true, true, true, false, false, false, false]),
            (Some(E), [true, true, true, true, false, false, false]),
            (None, [false; 7]),
        ];
        let capabilities = [
            Capability::View,
            Capability::Run,
            Capability::Clone,
            Capability::Edit,
            Capability::ManageSharing,
            Capability::ManageKeys,
            Capability::Delete,
        ];
        for (level, expected) in table {
            for (capability, allowed) in capabilities.iter().zip(expected) {
                assert_eq!(
                    grants(level, None).allows(*capability),
                    allowed,
                    "{level:?} {capability:?}"
                );
            }
        }
    }

    #[test]
    fn owners_and_admins_may_do_everything() {
        for access in [
            AgentAccess {
                is_owner: true,
                ..grants(None, None)
            },
            AgentAccess {
                is_admin: true,
                ..grants(None, None)
            },
        ] {
            assert!(
                access.allows(Capability::ManageSharing)
                    && access.allows(Capability::ManageKeys)
                    && access.allows(Capability::Delete)
            );
            assert_eq!(access.level(), Some(E));
        }
    }

    #[test]
    fn strangers_are_told_the_agent_does_not_exist() {
        assert!(matches!(
            grants(None, None).require(Capability::View),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            grants(Some(R), None).require(Capability::Edit),
            Err(Error::Forbidden(_))
        ));
    }
}
