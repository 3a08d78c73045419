//! The `users` table: people as principals (who is asking), as members (as
//! admins see them), and their password hashes.

use super::{Connection, Executor, Insert};
use crate::clock::{from_millis, to_millis};
use crate::ids::{UserId, WorkspaceId};
use crate::model::identity::{Member, MemberSummary, Principal, Role};
use crate::{Code, Error, Result};

/// The columns a [`Principal`] is built from.
#[derive(sqlx::FromRow)]
pub(crate) struct PrincipalRow {
    id: String,
    workspace_id: String,
    email: String,
    name: String,
    role: String,
}

impl TryFrom<PrincipalRow> for Principal {
    type Error = Error;

    fn try_from(row: PrincipalRow) -> Result<Self> {
        Ok(Self {
            user_id: UserId::from_string(row.id),
            workspace_id: WorkspaceId::from_string(row.workspace_id),
            role: crate::validate::stored("user role", &row.role)?,
            email: row.email,
            name: row.name,
            agent_scope: None,
        })
    }
}

pub(crate) const PRINCIPAL_COLUMNS: &str =
    "users.id, users.workspace_id, users.email, users.name, users.role";

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
            role: crate::validate::stored("user role", &row.role)?,
            email: row.email,
            name: row.name,
            created_at: from_millis(row.created_at),
            deactivated_at: row.deactivated_at.map(from_millis),
        })
    }
}

/// A user as a login attempt finds them by email. The principal is read
/// only once the password proved right, so a corrupt row answers as a
/// wrong password does until then.
#[derive(sqlx::FromRow)]
pub(crate) struct LoginRow {
    #[sqlx(flatten)]
    pub principal: PrincipalRow,
    pub password_hash: Option<String>,
    pub deactivated_at: Option<i64>,
}

/// A user about to be created, password already hashed.
pub(crate) struct UserInsert<'a> {
    pub id: &'a UserId,
    pub workspace: &'a WorkspaceId,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: String,
    pub created_at: i64,
}

/// Creates a user; [`Insert::Taken`] when the email is in use.
pub(crate) async fn insert(conn: &mut Connection, user: UserInsert<'_>) -> Result<Insert> {
    let inserted = sqlx::query(
        "INSERT INTO users (id, workspace_id, email, name, role, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id.as_str())
    .bind(user.workspace.as_str())
    .bind(user.email)
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .bind(user.created_at)
    .execute(conn)
    .await;
    Insert::of(inserted)
}

/// The active user with this id, as a principal.
pub(crate) async fn active_principal<'c>(
    db: impl Executor<'c>,
    id: &str,
) -> Result<Option<Principal>> {
    let row: Option<PrincipalRow> = sqlx::query_as(&format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM users WHERE id = $1 AND deactivated_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(Principal::try_from).transpose()
}

/// The active user with this (validated) email, as a principal.
pub(crate) async fn active_principal_by_email<'c>(
    db: impl Executor<'c>,
    email: &str,
) -> Result<Option<Principal>> {
    let row: Option<PrincipalRow> = sqlx::query_as(&format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM users WHERE email = $1 AND deactivated_at IS NULL"
    ))
    .bind(email)
    .fetch_optional(db)
    .await?;
    row.map(Principal::try_from).transpose()
}

/// The user with this email, active or not, with their password hash.
pub(crate) async fn login_row<'c>(db: impl Executor<'c>, email: &str) -> Result<Option<LoginRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PRINCIPAL_COLUMNS}, users.password_hash, users.deactivated_at \
         FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db)
    .await?)
}

/// When the user's password last changed, if it ever did.
pub(crate) async fn password_changed_at<'c>(
    db: impl Executor<'c>,
    id: &str,
) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT password_changed_at FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The user's password hash; none for a user who has none (or no user).
pub(crate) async fn password_hash<'c>(
    db: impl Executor<'c>,
    id: &UserId,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// Stores a new password hash and the instant of the change.
pub(crate) async fn write_password(
    conn: &mut Connection,
    id: &str,
    hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(to_millis(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The email of a user of `workspace`, active or not.
pub(crate) async fn email_in<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    id: &UserId,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND workspace_id = $2")
            .bind(id.as_str())
            .bind(workspace.as_str())
            .fetch_optional(db)
            .await?,
    )
}

/// The id and workspace of the user with this (validated) email, active
/// or not.
pub(crate) async fn by_email<'c>(
    db: impl Executor<'c>,
    email: &str,
) -> Result<Option<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT id, workspace_id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(db)
            .await?,
    )
}

/// The id of the active user of `workspace` with this email, as stored
/// (lowercase).
pub(crate) async fn active_id_by_email<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    email: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM users WHERE workspace_id = $1 AND email = $2 AND deactivated_at IS NULL",
    )
    .bind(workspace.as_str())
    .bind(email)
    .fetch_optional(db)
    .await?)
}

/// The members of `workspace`, active ones first, then by name.
pub(crate) async fn members<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
) -> Result<Vec<Member>> {
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT id, email, name, role, created_at, deactivated_at FROM users \
         WHERE workspace_id = $1 ORDER BY deactivated_at IS NOT NULL, lower(name), email",
    )
    .bind(workspace.as_str())
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Member::try_from).collect()
}

/// A member of `workspace`, active or not.
pub(crate) async fn member(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: &UserId,
) -> Result<Member> {
    let row: Option<MemberRow> = sqlx::query_as(
        "SELECT id, email, name, role, created_at, deactivated_at FROM users \
         WHERE id = $1 AND workspace_id = $2",
    )
    .bind(id.as_str())
    .bind(workspace.as_str())
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
pub(crate) async fn lock_membership(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: &UserId,
) -> Result<Member> {
    super::workspaces::lock(conn, workspace).await?;
    member(conn, workspace, id).await
}

/// Refuses when `except` is the workspace's only active admin. Runs inside
/// the change's transaction, after [`lock_membership`].
pub(crate) async fn ensure_another_admin(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    except: &UserId,
) -> Result<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE workspace_id = $1 AND role = 'admin' \
         AND deactivated_at IS NULL AND id <> $2",
    )
    .bind(workspace.as_str())
    .bind(except.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if others == 0 {
        return Err(Error::Refused {
            code: Code::LastAdmin,
            message: "the workspace must keep at least one active admin".into(),
        });
    }
    Ok(())
}

pub(crate) async fn set_role(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: &UserId,
    role: Role,
) -> Result<()> {
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND workspace_id = $3")
        .bind(role.as_str())
        .bind(id.as_str())
        .bind(workspace.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deactivates a member at `deactivated_at`, or reactivates them with none.
pub(crate) async fn set_deactivated_at(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: &UserId,
    deactivated_at: Option<i64>,
) -> Result<()> {
    sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2 AND workspace_id = $3")
        .bind(deactivated_at)
        .bind(id.as_str())
        .bind(workspace.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// The id of an active member of `workspace`, if `id` is one.
pub(crate) async fn active_member_id(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: &str,
) -> Result<Option<UserId>> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM users WHERE id = $1 AND workspace_id = $2 AND deactivated_at IS NULL",
    )
    .bind(id)
    .bind(workspace.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(found.map(UserId::from_string))
}

/// Up to twenty active members of `workspace` whose lowercased name is
/// `LIKE` `name_like` or whose lowercased email is `LIKE` `email_like`
/// (both escaped with `\`).
pub(crate) async fn search_members<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    name_like: String,
    email_like: String,
) -> Result<Vec<MemberSummary>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, name, email FROM users WHERE workspace_id = $1 AND deactivated_at IS NULL \
         AND (lower(name) LIKE $2 ESCAPE '\\' OR lower(email) LIKE $3 ESCAPE '\\') \
         ORDER BY lower(name), email LIMIT 20",
    )
    .bind(workspace.as_str())
    .bind(name_like)
    .bind(email_like)
    .fetch_all(db)
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

/// Whether any user exists yet.
pub(crate) async fn any<'c>(db: impl Executor<'c>) -> Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?;
    Ok(count > 0)
}

/// The role of an active member of `workspace`, as stored: unchecked, for
/// comparing with [`Role::as_str`].
pub(crate) async fn active_role(
    connection: &mut Connection,
    id: &UserId,
    workspace: &WorkspaceId,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT role FROM users WHERE id = $1 AND workspace_id = $2 AND deactivated_at IS NULL",
    )
    .bind(id.as_str())
    .bind(workspace.as_str())
    .fetch_optional(connection)
    .await?)
}

/// A user's name and email, active or not.
pub(crate) async fn summary<'c>(db: impl Executor<'c>, id: &UserId) -> Result<MemberSummary> {
    let (name, email): (String, String) =
        sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_one(db)
            .await?;
    Ok(MemberSummary {
        id: id.clone(),
        name,
        email,
    })
}

/// The members of `workspace` who turned request emails off.
pub(crate) async fn opted_out_of_email(
    conn: &mut Connection,
    workspace: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM users WHERE workspace_id = $1 AND email_notifications = 0",
    )
    .bind(workspace)
    .fetch_all(conn)
    .await?)
}

/// A user's name, active or not.
pub(crate) async fn name_of(conn: &mut Connection, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The name of the user `id` of `workspace`, active or not.
pub(crate) async fn name_in_workspace<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM users WHERE id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(workspace.as_str())
            .fetch_optional(db)
            .await?,
    )
}

/// Whether the user gets an email when a request waits for them.
pub(crate) async fn email_notifications<'c>(db: impl Executor<'c>, id: &UserId) -> Result<bool> {
    let on: i64 = sqlx::query_scalar("SELECT email_notifications FROM users WHERE id = $1")
        .bind(id.as_str())
        .fetch_one(db)
        .await?;
    Ok(on != 0)
}

pub(crate) async fn set_email_notifications(
    conn: &mut Connection,
    id: &UserId,
    on: bool,
) -> Result<()> {
    sqlx::query("UPDATE users SET email_notifications = $1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}
