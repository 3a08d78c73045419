//! Workspace members: adding people, changing roles, deactivating accounts.

use super::{Principal, Role, passwords};
use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{UserId, WorkspaceId};
pub use crate::model::identity::{Member, MemberSummary};
use crate::runs::approvals::Affected;
use crate::store::{self, Insert, users};
use crate::{Bosun, Error, Result, validate};
use bosun_wire::events::{Account, MemberAdded, MemberRoleChanged};

/// What it takes to create a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: Option<String>,
    pub password: String,
    pub role: Role,
}

impl Bosun {
    /// Creates a user in `workspace` without an acting principal: for the
    /// command line and first-start bootstrap, which run with the operator's
    /// authority.
    pub async fn create_user_as_operator(
        &self,
        workspace: &WorkspaceId,
        new_user: NewUser,
    ) -> Result<UserId> {
        self.create_user(workspace, new_user, None).await
    }

    /// An admin adds a member to their own workspace; the trace records
    /// who added whom with which role.
    pub async fn add_member(&self, actor: &Principal, new_user: NewUser) -> Result<Member> {
        actor.require_admin()?;
        let id = self
            .create_user(&actor.workspace_id, new_user, Some(actor))
            .await?;
        self.member(actor, &id).await
    }

    /// Creates a user, recording `member.added` when an admin (`actor`)
    /// adds them.
    async fn create_user(
        &self,
        workspace: &WorkspaceId,
        new_user: NewUser,
        actor: Option<&Principal>,
    ) -> Result<UserId> {
        let email = validate::email("email", &new_user.email)?;
        let name = match new_user.name.as_deref() {
            Some(name) if !name.trim().is_empty() => {
                validate::label("name", name, validate::MAX_NAME_CHARS)?
            }
            _ => email.split('@').next().unwrap_or_default().to_owned(),
        };
        validate::new_password("password", &new_user.password)?;
        let password_hash =
            passwords::hash(&self.settings().password_hashing, &new_user.password).await?;

        let id = UserId::generate();
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        let user = users::UserInsert {
            id: &id,
            workspace,
            email: &email,
            name: &name,
            role: new_user.role,
            password_hash,
            created_at: to_millis(now),
        };
        if users::insert(&mut tx, user).await? == Insert::Taken {
            return Err(Error::Refused {
                code: crate::Code::EmailTaken,
                message: "a member with this email already exists".into(),
            });
        }
        if let Some(actor) = actor {
            let data = events::data_of(&MemberAdded {
                user_id: id.to_string(),
                email: email.clone(),
                role: new_user.role,
            })?;
            events::append(
                &mut tx,
                now,
                NewEvent::audit(EventKind::MemberAdded, actor, None, data),
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(user = %id, role = new_user.role.as_str(), "created a user");
        Ok(id)
    }

    /// The members of the admin's workspace, active ones first.
    pub async fn list_members(&self, actor: &Principal) -> Result<Vec<Member>> {
        actor.require_admin()?;
        users::members(self.db().pool(), &actor.workspace_id).await
    }

    async fn member(&self, actor: &Principal, id: &UserId) -> Result<Member> {
        let mut connection = self.db().pool().acquire().await?;
        users::member(&mut connection, &actor.workspace_id, id).await
    }

    /// Changes a member's role. The last active admin cannot step down, or
    /// the workspace would have nobody to administer it. An admin stepping
    /// down loses what only admins had: the pending requests of their runs
    /// on agents they could not otherwise run are withdrawn, and runtime
    /// keys they made for agents they do not own stop working.
    pub async fn change_role(&self, actor: &Principal, id: &UserId, role: Role) -> Result<Member> {
        actor.require_admin()?;
        let mut tx = self.db().begin_write().await?;
        let member = users::lock_membership(&mut tx, &actor.workspace_id, id).await?;
        if member.role == Role::Admin && role == Role::Member {
            users::ensure_another_admin(&mut tx, &actor.workspace_id, id).await?;
        }
        users::set_role(&mut tx, &actor.workspace_id, id, role).await?;
        if member.role != role {
            let data = events::data_of(&MemberRoleChanged {
                user_id: id.to_string(),
                email: member.email.clone(),
                from: member.role,
                to: role,
            })?;
            let event = NewEvent::audit(EventKind::MemberRoleChanged, actor, None, data);
            events::append(&mut tx, self.now(), event).await?;
        }
        self.withdraw_disentitled(&mut tx, &actor.workspace_id, Affected::Person(id))
            .await?;
        tx.commit().await?;
        self.member(actor, id).await
    }

    /// Deactivates (or reactivates) a member. A deactivated user's sessions,
    /// tokens and runtime keys stop working at their next request, because
    /// every request re-reads the account; the pending approval requests of
    /// their runs are withdrawn in the same transaction, which records
    /// `member.deactivated` (or `member.reactivated`).
    pub async fn set_member_active(
        &self,
        actor: &Principal,
        id: &UserId,
        active: bool,
    ) -> Result<Member> {
        actor.require_admin()?;
        if !active && *id == actor.user_id {
            return Err(Error::invalid("user_id", "you cannot deactivate yourself"));
        }
        let mut tx = self.db().begin_write().await?;
        let member = users::lock_membership(&mut tx, &actor.workspace_id, id).await?;
        if !active && member.role == Role::Admin {
            users::ensure_another_admin(&mut tx, &actor.workspace_id, id).await?;
        }
        let now = self.now();
        let deactivated_at = (!active).then(|| to_millis(now));
        users::set_deactivated_at(&mut tx, &actor.workspace_id, id, deactivated_at).await?;
        let kind = if active {
            EventKind::MemberReactivated
        } else {
            EventKind::MemberDeactivated
        };
        let data = events::data_of(&Account {
            user_id: id.to_string(),
            email: member.email.clone(),
        })?;
        events::append(&mut tx, now, NewEvent::audit(kind, actor, None, data)).await?;
        self.withdraw_disentitled(&mut tx, &actor.workspace_id, Affected::Person(id))
            .await?;
        tx.commit().await?;
        tracing::info!(user = %id, by = %actor.user_id, active, "changed a member's status");
        self.member(actor, id).await
    }

    /// The active user with this id, as a principal (for sessions).
    pub(crate) async fn active_principal(&self, id: &str) -> Result<Option<Principal>> {
        users::active_principal(self.db().pool(), id).await
    }

    /// The user with this email, for the command line.
    pub async fn user_by_email(&self, email: &str) -> Result<Principal> {
        let email = validate::email("email", email)?;
        users::active_principal_by_email(self.db().pool(), &email)
            .await?
            .ok_or(Error::NotFound("active user with that email"))
    }
}

impl Bosun {
    /// The id of an active member of the principal's workspace, or an error
    /// naming `field`.
    pub(crate) async fn active_member(
        &self,
        connection: &mut store::Connection,
        principal: &Principal,
        field: &'static str,
        id: &str,
    ) -> Result<UserId> {
        users::active_member_id(connection, &principal.workspace_id, id)
            .await?
            .ok_or_else(|| Error::invalid(field, "is not an active member of this workspace"))
    }

    /// Active members whose name or email address (the part before the
    /// `@`, or all of it when `query` holds one) contains `query`, for
    /// picking someone to share with. Any member may search their own workspace.
    pub async fn search_members(
        &self,
        principal: &Principal,
        query: &str,
    ) -> Result<Vec<MemberSummary>> {
        // Names and the part of the email before the `@`: every member
        // shares the domain, so matching it would list everyone. A query
        // holding an `@` is an email, matched whole.
        let query = query.trim().to_lowercase();
        let words = store::containing(&query);
        let email = if query.contains('@') {
            words.clone()
        } else {
            format!("{words}@%")
        };
        users::search_members(self.db().pool(), &principal.workspace_id, words, email).await
    }
}
