//! The `oauth_providers` table: the OAuth providers of a workspace, their
//! client secret sealed.

use super::{Connection, Executor, Insert};
use crate::Result;
use crate::db::{assignments, placeholders};
use crate::ids::{OAuthProviderId, WorkspaceId};
use crate::model::oauth::CheckedProvider;

const PROVIDER_COLUMNS: &str = "id, workspace_id, name, display_name, issuer, authorize_url, \
     token_url, revocation_url, client_id, client_secret, scopes, login_enabled, login_creates_users, \
     created_at, updated_at";

/// A provider as stored; the secret still sealed.
#[derive(sqlx::FromRow, Clone)]
pub(crate) struct StoredProvider {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub display_name: String,
    pub issuer: Option<String>,
    pub authorize_url: String,
    pub token_url: String,
    pub revocation_url: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: String,
    pub login_enabled: i64,
    pub login_creates_users: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns of a provider its admin sets, in the order
/// [`bind_settings`] binds them.
const SETTINGS_COLUMNS: [&str; 10] = [
    "display_name",
    "issuer",
    "authorize_url",
    "token_url",
    "revocation_url",
    "client_id",
    "client_secret",
    "scopes",
    "login_enabled",
    "login_creates_users",
];

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds [`SETTINGS_COLUMNS`], with the client secret `sealed`.
fn bind_settings<'q>(query: Query<'q>, checked: &'q CheckedProvider, sealed: &'q str) -> Query<'q> {
    query
        .bind(&checked.display_name)
        .bind(checked.fields.issuer.as_deref())
        .bind(&checked.fields.authorize_url)
        .bind(&checked.fields.token_url)
        .bind(checked.fields.revocation_url.as_deref())
        .bind(&checked.fields.client_id)
        .bind(sealed)
        .bind(&checked.fields.scopes)
        .bind(i64::from(checked.fields.login_enabled))
        .bind(i64::from(checked.fields.login_creates_users))
}

/// A workspace's providers, by name.
pub(crate) async fn of_workspace<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
) -> Result<Vec<StoredProvider>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PROVIDER_COLUMNS} FROM oauth_providers WHERE workspace_id = $1 ORDER BY name"
    ))
    .bind(workspace.as_str())
    .fetch_all(db)
    .await?)
}

pub(crate) async fn by_name<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    name: &str,
) -> Result<Option<StoredProvider>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PROVIDER_COLUMNS} FROM oauth_providers WHERE workspace_id = $1 AND name = $2"
    ))
    .bind(workspace.as_str())
    .bind(name)
    .fetch_optional(db)
    .await?)
}

/// Creates a provider; [`Insert::Taken`] when its name is in use.
pub(crate) async fn insert(
    conn: &mut Connection,
    id: &OAuthProviderId,
    workspace: &WorkspaceId,
    checked: &CheckedProvider,
    sealed: &str,
    now: i64,
) -> Result<Insert> {
    let sql = format!(
        "INSERT INTO oauth_providers (id, workspace_id, name, {}, created_at, updated_at) \
         VALUES ($1, $2, $3, {}, $14, $14)",
        SETTINGS_COLUMNS.join(", "),
        placeholders(&SETTINGS_COLUMNS, 4)
    );
    let inserted = bind_settings(
        sqlx::query(&sql)
            .bind(id.as_str())
            .bind(workspace.as_str())
            .bind(&checked.fields.name),
        checked,
        sealed,
    )
    .bind(now)
    .execute(conn)
    .await;
    Insert::of(inserted)
}

/// Stores a provider's settings; its name stays.
pub(crate) async fn update(
    conn: &mut Connection,
    id: &str,
    checked: &CheckedProvider,
    sealed: &str,
    now: i64,
) -> Result<()> {
    let sql = format!(
        "UPDATE oauth_providers SET {}, updated_at = $11 WHERE id = $12",
        assignments(&SETTINGS_COLUMNS, 1)
    );
    bind_settings(sqlx::query(&sql), checked, sealed)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a provider; its connections and agents' needs of it go with it
/// (`ON DELETE CASCADE`).
pub(crate) async fn delete(conn: &mut Connection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM oauth_providers WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The provider named `name` in `workspace`, and the scopes `agent` needs
/// of it (none if the agent does not declare it).
pub(crate) async fn with_need<'c>(
    db: impl Executor<'c>,
    workspace: &str,
    name: &str,
    agent: &str,
) -> Result<Option<(StoredProvider, Option<String>)>> {
    #[derive(sqlx::FromRow)]
    struct Declared {
        #[sqlx(flatten)]
        provider: StoredProvider,
        needed_scopes: Option<String>,
    }
    let declared: Option<Declared> = sqlx::query_as(&format!(
        "SELECT {PROVIDER_COLUMNS}, (SELECT n.scopes FROM agent_connection_needs n \
         WHERE n.provider_id = oauth_providers.id AND n.agent_id = $3) AS needed_scopes \
         FROM oauth_providers WHERE workspace_id = $1 AND name = $2"
    ))
    .bind(workspace)
    .bind(name)
    .bind(agent)
    .fetch_optional(db)
    .await?;
    Ok(declared.map(|d| (d.provider, d.needed_scopes)))
}
