//! Workspace members: adding people, changing roles, deactivating accounts.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{PRINCIPAL_COLUMNS, Principal, PrincipalRow, Role, passwords};
use crate::clock::{from_millis, to_millis};
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{UserId, WorkspaceId};
use crate::runs::approvals::Affected;
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

/// A member as admins see them.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: String,
    email: String,
    name: String,
    role: String,
    created_at: i64,
    deactivated_at: Option<i64>,
}

impl TryFrom<MemberRow> for Member {
    type Error = Error;

    fn try_from(row: MemberRow) -> Result<Self> {
        Ok(Self {
            id: UserId::from_string(row.id),
            role: crate::validate::one_of("role", &row.role)?,
            email: row.email,
            name: row.name,
            created_at: from_millis(row.created_at),
            deactivated_at: row.deactivated_at.map(from_millis),
        })
    }
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
        let inserted = sqlx::query(
            "INSERT INTO users (id, workspace_id, email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_str())
        .bind(workspace.as_str())
        .bind(&email)
        .bind(&name)
        .bind(new_user.role.as_str())
        .bind(password_hash)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                return Err(Error::Refused {
                    code: crate::Code::EmailTaken,
                    message: "a member with this email already exists".into(),
                });
            }
            Err(error) => return Err(error.into()),
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
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT id, email, name, role, created_at, deactivated_at FROM users \
             WHERE workspace_id = $1 ORDER BY deactivated_at IS NOT NULL, lower(name), email",
        )
        .bind(actor.workspace_id.as_str())
        .fetch_all(self.db().pool())
        .await?;
        rows.into_iter().map(Member::try_from).collect()
    }

    async fn member(&self, actor: &Principal, id: &UserId) -> Result<Member> {
        let mut connection = self.db().pool().acquire().await?;
        member_of(&mut connection, actor, id).await
    }

    /// Changes a member's role. The last active admin cannot step down, or
    /// the workspace would have nobody to administer it. An admin stepping
    /// down loses what only admins had: the pending requests of their runs
    /// on agents they could not otherwise run are withdrawn, and runtime
    /// keys they made for agents they do not own stop working.
    pub async fn change_role(&self, actor: &Principal, id: &UserId, role: Role) -> Result<Member> {
        actor.require_admin()?;
        let mut tx = self.db().begin_write().await?;
        let member = lock_membership(&mut tx, actor, id).await?;
        if member.role == Role::Admin && role == Role::Member {
            ensure_another_admin(&mut tx, actor, id).await?;
        }
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(role.as_str())
            .bind(id.as_str())
            .bind(actor.workspace_id.as_str())
            .execute(&mut *tx)
            .await?;
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
        let member = lock_membership(&mut tx, actor, id).await?;
        if !active && member.role == Role::Admin {
            ensure_another_admin(&mut tx, actor, id).await?;
        }
        let now = self.now();
        let deactivated_at = (!active).then(|| to_millis(now));
        sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(deactivated_at)
            .bind(id.as_str())
            .bind(actor.workspace_id.as_str())
            .execute(&mut *tx)
            .await?;
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
        let row: Option<PrincipalRow> = sqlx::query_as(&format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM users WHERE id = $1 AND deactivated_at IS NULL"
        ))
        .bind(id)
        .fetch_optional(self.db().pool())
        .await?;
        row.map(Principal::try_from).transpose()
    }

    /// The user with this email, for the command line.
    pub async fn user_by_email(&self, email: &str) -> Result<Principal> {
        let email = validate::email("email", email)?;
        let row: Option<PrincipalRow> = sqlx::query_as(&format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM users WHERE email = $1 AND deactivated_at IS NULL"
        ))
        .bind(email)
        .fetch_optional(self.db().pool())
        .await?;
        row.ok_or(Error::NotFound("active user with that email"))?
            .try_into()
    }
}

async fn member_of(
    conn: &mut sqlx::AnyConnection,
    actor: &Principal,
    id: &UserId,
) -> Result<Member> {
    let row: Option<MemberRow> = sqlx::query_as(
        "SELECT id, email, name, role, created_at, deactivated_at FROM users \
         WHERE id = $1 AND workspace_id = $2",
    )
    .bind(id.as_str())
    .bind(actor.workspace_id.as_str())
    .fetch_optional(conn)
    .await?;
    row.ok_or(Error::NotFound("user"))?.try_into()
}

/// Takes the workspace row's lock, which every change of a member's role or
/// status takes first, and then reads the member. Changes to the membership
/// thus follow one another on PostgreSQL too (SQLite's write transactions are
/// exclusive anyway): each one sees the role it replaces, so two admins
/// stepping each other down cannot both pass the count of admins, and the
/// event records what the role really was.
async fn lock_membership(
    conn: &mut sqlx::AnyConnection,
    actor: &Principal,
    id: &UserId,
) -> Result<Member> {
    sqlx::query("UPDATE workspaces SET id = id WHERE id = $1")
        .bind(actor.workspace_id.as_str())
        .execute(&mut *conn)
        .await?;
    member_of(conn, actor, id).await
}

/// Refuses when `except` is the workspace's only active admin. Runs inside
/// the change's transaction, after `lock_membership`.
async fn ensure_another_admin(
    conn: &mut sqlx::AnyConnection,
    actor: &Principal,
    except: &UserId,
) -> Result<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE workspace_id = $1 AND role = 'admin' \
         AND deactivated_at IS NULL AND id <> $2",
    )
    .bind(actor.workspace_id.as_str())
    .bind(except.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if others == 0 {
        return Err(Error::Refused {
            code: crate::Code::LastAdmin,
            message: "the workspace must keep at least one active admin".into(),
        });
    }
    Ok(())
}

/// A member as others see them when sharing: no role or status.
#[derive(Clone, Debug, Serialize)]
pub struct MemberSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

impl Bosun {
    /// The id of an active member of the principal's workspace, or an error
    /// naming `field`.
    pub(crate) async fn active_member(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: &Principal,
        field: &'static str,
        id: &str,
    ) -> Result<UserId> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT id FROM users WHERE id = $1 AND workspace_id = $2 AND deactivated_at IS NULL",
        )
        .bind(id)
        .bind(principal.workspace_id.as_str())
        .fetch_optional(connection)
        .await?;
        found
            .map(UserId::from_string)
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
        let words = format!("%{}%", crate::agents::escape_like(&query));
        let email = if query.contains('@') {
            words.clone()
        } else {
            format!("{words}@%")
        };
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, name, email FROM users WHERE workspace_id = $1 AND deactivated_at IS NULL \
             AND (lower(name) LIKE $2 ESCAPE '\\' OR lower(email) LIKE $3 ESCAPE '\\') \
             ORDER BY lower(name), email LIMIT 20",
        )
        .bind(principal.workspace_id.as_str())
        .bind(words)
        .bind(email)
        .fetch_all(self.db().pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, email)| MemberSummary {
                id: UserId::from_string(id),
                name,
                email,
            })
            .collect())
    }
}
