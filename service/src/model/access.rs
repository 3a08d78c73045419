//! The access rule: a principal's standing towards an agent
//! ([`AgentAccess`]) and what each [`Capability`] needs of it, and the same
//! rule said as SQL for the lists and checks the store makes, where loading
//! every agent's standing would not do. [`crate::access`] turns it into the
//! proofs the writing use cases require.

use bosun_wire::vocabulary::Vocabulary as _;

use crate::ids::AgentId;
use crate::{Error, Result, validate};

pub use bosun_wire::vocabulary::{AccessLevel, AccessSource};

// The SQL filters below say in SQL what [`AgentAccess::allows`] says, for
// lists and checks made inside the store where loading every agent's
// standing would not do. They are all made from [`allows_sql`], which
// follows [`Capability::least_level`] and the order of [`AccessLevel`]
// exactly as `allows` does; the API tests (`access.rs`) hold the two to
// each other on a generated population, on SQLite and on PostgreSQL.

/// Whether user `user` may do `capability` with the agent row `agent`, as
/// SQL (expressions of the caller's statement), `admin` being 1 when the
/// user administers the agent's workspace and 0 otherwise: what
/// [`AgentAccess::allows`] says. The caller checks that the user is an
/// active member of that workspace.
pub fn allows_sql(capability: Capability, agent: &str, user: &str, admin: &str) -> String {
    match capability.least_level() {
        Some(least) => {
            let levels = AccessLevel::ALL
                .iter()
                .filter(|level| **level >= least)
                .map(|level| format!("'{}'", level.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "({admin} = 1 OR {agent}.owner_id = {user} OR EXISTS (SELECT 1 FROM agent_grants g \
                 WHERE g.agent_id = {agent}.id AND g.level IN ({levels}) \
                 AND (g.user_id = {user} OR g.user_id IS NULL)))"
            )
        }
        None => format!("({admin} = 1 OR {agent}.owner_id = {user})"),
    }
}

/// 1 when the user row `user` administers its workspace, else 0, as SQL:
/// the `admin` of [`allows_sql`] for someone other than the caller.
pub fn admin_flag_sql(user: &str) -> String {
    format!(
        "(CASE WHEN {user}.role = '{}' THEN 1 ELSE 0 END)",
        crate::model::identity::Role::Admin.as_str()
    )
}

/// Whether the user row `member` is an active member of the workspace of
/// the agent row `agent`, as SQL.
fn active_member_sql(member: &str, agent: &str) -> String {
    format!("({member}.workspace_id = {agent}.workspace_id AND {member}.deactivated_at IS NULL)")
}

/// The agents of workspace `workspace` that user `user` may edit (both
/// placeholders of the caller's statement), as a `SELECT` of their ids,
/// counting the user as a member who is not an admin (callers let admins
/// through themselves): [`allows_sql`] for [`Capability::Edit`].
pub fn editable_agents_sql(workspace: &str, user: &str) -> String {
    format!(
        "SELECT agents.id FROM agents WHERE agents.workspace_id = {workspace} AND {}",
        allows_sql(Capability::Edit, "agents", user, "0")
    )
}

/// The agents of workspace `workspace` that user `user` may run, given
/// whether they administer it (`admin`, 1 or 0; all three placeholders of
/// the caller's statement), as a `SELECT` of their ids: [`allows_sql`] for
/// [`Capability::Run`].
pub fn runnable_agents_sql(workspace: &str, user: &str, admin: &str) -> String {
    format!(
        "SELECT agents.id FROM agents WHERE agents.workspace_id = {workspace} AND {}",
        allows_sql(Capability::Run, "agents", user, admin)
    )
}

/// Whether the runtime key row `key` of the agent row `agent` works, as SQL
/// (aliases of the caller's statement): it is not revoked, and whoever
/// created it is still an active member who may manage the agent's keys
/// ([`Capability::ManageKeys`]: its owner or an admin), checked at every
/// use, so that a key stops working at the very next request once its
/// creator loses those rights.
pub fn live_key_sql(key: &str, agent: &str) -> String {
    format!(
        "({key}.revoked_at IS NULL AND EXISTS (SELECT 1 FROM users key_creators \
         WHERE key_creators.id = {key}.created_by AND {} AND {}))",
        active_member_sql("key_creators", agent),
        allows_sql(
            Capability::ManageKeys,
            agent,
            "key_creators.id",
            &admin_flag_sql("key_creators")
        )
    )
}

/// Whether whoever the run row `run` of the agent row `agent` acts for may
/// still have it go on, as SQL (aliases of the caller's statement): the
/// user who started it is an active member who may still run the agent
/// ([`Capability::Run`]), or the runtime key that started it is still live
/// ([`live_key_sql`]). A run with neither acts for nobody and may not go
/// on: revoking a stolen key also stops the runs it started.
pub fn run_entitled_sql(run: &str, agent: &str) -> String {
    format!(
        "(({run}.started_by IS NOT NULL AND EXISTS (SELECT 1 FROM users run_starters \
           WHERE run_starters.id = {run}.started_by AND {} AND {})) \
         OR ({run}.started_by IS NULL AND EXISTS (SELECT 1 FROM runtime_keys starting_keys \
           WHERE starting_keys.id = {run}.started_by_key AND {})))",
        active_member_sql("run_starters", agent),
        allows_sql(
            Capability::Run,
            agent,
            "run_starters.id",
            &admin_flag_sql("run_starters")
        ),
        live_key_sql("starting_keys", agent),
    )
}

/// Which requests user `user` may decide, as SQL over a request's agent
/// row `agents` and run row `runs`, given whether they are an admin
/// (`admin`, 1 or 0) and whether the workspace allows self-approval
/// (`self_approval`, 1 or 0): what [`crate::Bosun::reviewable`] says of one
/// request. An editor of the agent, and not the run's starter (or its
/// starting key's creator) unless self-approval is allowed.
pub fn reviewable_sql(user: &str, admin: &str, self_approval: &str) -> String {
    let starter = run_starter_sql("runs");
    format!(
        "{} AND ({self_approval} = 1 OR {starter} IS NULL OR {starter} <> {user})",
        allows_sql(Capability::Edit, "agents", user, admin)
    )
}

/// The user a run counts as started by, as SQL over the run row `run`: its
/// starter, or for a run its runtime key started, the key's creator. For
/// the rule that nobody approves their own run's requests.
pub fn run_starter_sql(run: &str) -> String {
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

impl Capability {
    /// Every capability.
    pub const ALL: [Self; 7] = [
        Self::View,
        Self::Run,
        Self::Clone,
        Self::Edit,
        Self::ManageSharing,
        Self::ManageKeys,
        Self::Delete,
    ];

    /// The least level that allows it; none for what only the agent's
    /// owner and workspace admins may do, whatever the grants.
    pub fn least_level(self) -> Option<AccessLevel> {
        match self {
            Self::View | Self::Run => Some(AccessLevel::Run),
            Self::Clone => Some(AccessLevel::Clone),
            Self::Edit => Some(AccessLevel::Edit),
            Self::ManageSharing | Self::ManageKeys | Self::Delete => None,
        }
    }
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
        match capability.least_level() {
            Some(least) => self.level() >= Some(least),
            None => self.is_owner || self.is_admin,
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
        let level = |value: Option<&str>| {
            value
                .map(|v| validate::stored("grant level", v))
                .transpose()
        };
        Ok(Self {
            is_owner: user_id == owner_id,
            is_admin,
            user_grant: level(user_grant)?,
            workspace_grant: level(workspace_grant)?,
        })
    }
}

/// What [`crate::Bosun::reviewable`] needs to know of a request.
pub trait ReviewSubject {
    /// The agent whose run asks.
    fn agent(&self) -> AgentId;
    /// Whom the run counts as started by: its starter, or its key's creator.
    fn starter(&self) -> Option<&str>;
    /// Whether a person started the run (rather than a runtime key).
    fn started_by_person(&self) -> bool;
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
